/* The failmalloc sweep: a fuzz target's code, fed each input of its seed
 * corpus over and over, the Nth allocation failing on the Nth run for
 * every N the input makes (as nghttp2's failmalloc tests do). Built with
 * ASan and UBSan: an allocation failure the code does not handle (a NULL
 * used, a leak on an error path, a double free) ends the run with a
 * report. The allocator calls of the code under test are wrapped at link
 * time (-Wl,--wrap=malloc,...).
 * Usage: failmalloc-NAME FILE...   (the corpus files) */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int fuzz_allocs_failed;		 /* read by FUZZ_CHECK (tests/fuzz/fuzz.h) */
static long count, fail_at = -1; /* allocations this run; the one to fail */

static int fail_now(void)
{
	if (++count != fail_at)
		return 0;
	fuzz_allocs_failed = 1;
	return 1;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = __wrap_malloc(n);
	return d ? memcpy(d, s, n) : NULL;
}

char *__wrap_strndup(const char *s, size_t max);
char *__wrap_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d = __wrap_malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *s = n < 0 ? NULL : __wrap_malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	*out = s;
	return s ? n : -1;
}

int __wrap_asprintf(char **out, const char *fmt, ...);
int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = __wrap_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d = NULL;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len >= 0 && (d = __real_malloc((size_t)len + 1)) &&
	    fread(d, 1, (size_t)len, f) != (size_t)len) {
		free(d);
		d = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return d;
}

#define MAX_SWEEP 4000 /* failures tried per input, at most */

int main(int argc, char **argv)
{
	long inputs = 0, runs = 0, total = 0;

	for (int i = 1; i < argc; i++) {
		size_t n;
		unsigned char *d = slurp(argv[i], &n);
		if (!d) {
			fprintf(stderr, "failmalloc: %s: cannot read\n", argv[i]);
			return 2;
		}
		count = 0, fail_at = -1, fuzz_allocs_failed = 0;
		LLVMFuzzerTestOneInput(d, n);
		long made = count;
		total += made;
		for (long k = 1; k <= made && k <= MAX_SWEEP; k++, runs++) {
			count = 0, fail_at = k, fuzz_allocs_failed = 0;
			LLVMFuzzerTestOneInput(d, n);
		}
		free(d);
		inputs++;
	}
	printf("%ld inputs, %ld allocations, %ld runs with one failing\n", inputs, total, runs);
	return 0;
}
