/* Running helper programs: argv arrays only, never a shell. */
#ifndef UTIL_PROC_H
#define UTIL_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct error;

/* Run argv[0] (a path) with argv, stdin from /dev/null, and capture up to
 * size-1 bytes of its stdout into out (NUL-terminated; the rest is
 * discarded). Kills it after timeout_ms. Returns its exit status (0-255),
 * or -1 with *err set when it could not be run or timed out. */
int proc_capture(char *const argv[], char *out, size_t size, int timeout_ms, struct error **err);
/* The same with stderr captured too (for a program's own error message,
 * which out holds even when it was killed by a signal). */
int proc_capture_all(char *const argv[], char *out, size_t size, int timeout_ms,
		     struct error **err);

/* proc_capture_all, and also killed (ETIME, not ETIMEDOUT) when it writes
 * nothing within first_ms. */
int proc_capture_first(char *const argv[], char *out, size_t size, int first_ms, int timeout_ms,
		       struct error **err);

/* When pid started (/proc/PID/stat field 22, clock ticks since boot): with
 * the pid, it names one process for good. 0 when there is no such process
 * or it is a zombie. */
unsigned long long proc_start_time(pid_t pid);
/* Its state letter in /proc/PID/stat ('R', 'S', 'T' stopped, 't' traced,
 * 'Z' ...); 0 when there is no such process. */
char proc_state(pid_t pid);

#endif
