/* The tracer (trace.h): spans begun and ended here, each finished one
 * handed to this process's sink as one OTLP/JSON line. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "trace/export.h"
#include "trace/trace.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#define LINE_MAX_BYTES 65536
#define BATCH_MAX (4u << 20)

bool trace_enabled;

static struct {
	pthread_mutex_t lock;
	char service[32];
	int fd;
	char *file, *collector;
	struct buf mem, batch;
	size_t mem_max, dropped;
} T = { PTHREAD_MUTEX_INITIALIZER, "", -1, NULL, NULL, BUF_INIT(0), BUF_INIT(BATCH_MAX), 0, 0 };

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t trace_now_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int trace_open(const struct trace_sink *s, struct error **err)
{
	trace_close();
	snprintf(T.service, sizeof(T.service), "%s", s->service ? s->service : "ukata");
	if (s->collector && *s->collector) {
		if (trace_collector_check(s->collector, err) < 0)
			return -1;
		T.collector = strdup(s->collector);
	}
	if (s->file && *s->file) {
		fs_mkdir_p(s->file, 0755, true);
		T.fd = open(s->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (T.fd < 0) {
			int e = errno;
			trace_close();
			return error_set_errno(err, e, "trace file %s", s->file);
		}
		T.file = strdup(s->file);
	}
	T.mem_max = s->mem_max;
	T.mem.max = s->mem_max;
	trace_enabled = true;
	return 0;
}

void trace_set_enabled(bool on)
{
	trace_enabled = on;
}

void trace_close(void)
{
	trace_flush();
	trace_enabled = false;
	if (T.fd >= 0)
		close(T.fd);
	T.fd = -1;
	free(T.file);
	free(T.collector);
	T.file = T.collector = NULL;
	buf_free(&T.mem);
	buf_free(&T.batch);
	T.mem_max = T.dropped = 0;
}

/* One whole line to the file: with the lock held, no other process's
 * append comes between its bytes. */
static void to_file(const char *line, size_t len)
{
	flock(T.fd, LOCK_EX);
	for (size_t done = 0; done < len;) {
		ssize_t w = write(T.fd, line + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	flock(T.fd, LOCK_UN);
}

static void emit(const char *line, size_t len)
{
	pthread_mutex_lock(&T.lock);
	if (T.fd >= 0)
		to_file(line, len);
	if (T.collector && buf_append(&T.batch, line, len) < 0)
		T.dropped++;
	if (T.mem_max && buf_append(&T.mem, line, len) < 0)
		T.dropped++;
	pthread_mutex_unlock(&T.lock);
}

static void random_id(uint8_t *p, size_t n)
{
	do {
		if (fs_random(p, n) < 0) { /* not seeded yet: time and pid */
			uint64_t t = trace_now_ns() ^ ((uint64_t)getpid() << 40);
			for (size_t i = 0; i < n; i++, t = t * 6364136223846793005u + 1442695040888963407u)
				p[i] = (uint8_t)(t >> 56);
		}
	} while (!p[0] && !memcmp(p, p + 1, n - 1));
}

/* start_ns on the wall clock, mono_start the monotonic clock then. */
static void begin(struct trace_span *s, const struct trace_ctx *parent, const char *name,
		  uint64_t start_ns, uint64_t mono_start)
{
	s->nattrs = 0;
	s->status = TRACE_UNSET;
	s->message[0] = 0;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (parent && trace_ctx_valid(parent)) {
		memcpy(s->ctx.trace_id, parent->trace_id, TRACE_ID_LEN);
		memcpy(s->parent_id, parent->span_id, TRACE_SPAN_ID_LEN);
		s->ctx.flags = parent->flags;
	} else {
		random_id(s->ctx.trace_id, TRACE_ID_LEN);
		memset(s->parent_id, 0, TRACE_SPAN_ID_LEN);
		s->ctx.flags = 1;
	}
	random_id(s->ctx.span_id, TRACE_SPAN_ID_LEN);
	s->start_ns = start_ns;
	s->mono_start = mono_start;
	s->end_ns = 0;
}

void trace_begin_at(struct trace_span *s, const struct trace_ctx *parent, const char *name,
		    uint64_t start_ns)
{
	s->live = trace_enabled;
	if (!s->live)
		return;
	uint64_t now = trace_now_ns(), mono = clock_ns(CLOCK_MONOTONIC);
	begin(s, parent, name, start_ns, mono - (now > start_ns ? now - start_ns : 0));
}

void trace_begin(struct trace_span *s, const struct trace_ctx *parent, const char *name)
{
	s->live = trace_enabled;
	if (s->live)
		begin(s, parent, name, trace_now_ns(), clock_ns(CLOCK_MONOTONIC));
}

void trace_end(struct trace_span *s, int rc, const char *why)
{
	if (!s->live)
		return;
	s->live = false;
	s->end_ns = s->start_ns + (clock_ns(CLOCK_MONOTONIC) - s->mono_start);
	s->status = rc < 0 ? TRACE_ERROR : TRACE_OK;
	if (rc < 0)
		snprintf(s->message, sizeof(s->message), "%s", why ? why : "failed");
	struct buf line = BUF_INIT(LINE_MAX_BYTES);
	if (trace_span_otlp(s, T.service, &line) == 0)
		emit(line.data, line.len);
	buf_free(&line);
}

int trace_end_err(struct trace_span *s, int rc, struct error *const *err)
{
	trace_end(s, rc, rc < 0 && err && *err ? (*err)->msg : NULL);
	return rc;
}

#define LINE_HEAD "{\"resourceSpans\":["
#define LINE_TAIL "]}"

int trace_emit_lines(const char *text, size_t len)
{
	size_t bad = 0, hl = sizeof(LINE_HEAD) - 1;
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		bool ok = n > hl + 2 && n < LINE_MAX_BYTES && !memcmp(text, LINE_HEAD, hl) &&
			  !memcmp(text + n - 2, LINE_TAIL, 2) && nl && !memchr(text, 0, n);
		if (ok)
			emit(text, n + 1);
		else if (n)
			bad++;
		text += nl ? n + 1 : n;
		len -= nl ? n + 1 : n;
	}
	if (bad)
		log_warn("trace: %zu span line(s) from another process dropped: not OTLP/JSON",
			 bad);
	return bad ? -1 : 0;
}

int trace_take(struct buf *out, size_t *dropped)
{
	pthread_mutex_lock(&T.lock);
	int r = T.mem.len ? buf_append(out, T.mem.data, T.mem.len) : 0;
	buf_reset(&T.mem);
	*dropped = T.dropped;
	T.dropped = 0;
	pthread_mutex_unlock(&T.lock);
	return r;
}

void trace_flush(void)
{
	pthread_mutex_lock(&T.lock);
	struct buf b = T.batch;
	T.batch = (struct buf)BUF_INIT(BATCH_MAX);
	pthread_mutex_unlock(&T.lock);
	if (T.collector && b.len)
		trace_collector_post(T.collector, b.data, b.len);
	buf_free(&b);
}

static char *env_pair(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}

int trace_child_env(const struct trace_ctx *parent, char **v)
{
	char tp[TRACE_PARENT_LEN + 1];
	int n = 0;
	if (!trace_enabled)
		return 0;
	if (parent && trace_ctx_valid(parent)) {
		trace_parent_format(parent, tp);
		v[n++] = env_pair("TRACEPARENT", tp);
	}
	if (T.file)
		v[n++] = env_pair("UKATA_TRACE_FILE", T.file);
	if (T.collector)
		v[n++] = env_pair("UKATA_TRACE_COLLECTOR", T.collector);
	return n;
}

int trace_from_env(const char *service, struct trace_ctx *ctx, struct error **err)
{
	const char *tp = getenv("TRACEPARENT"), *why;
	struct trace_sink s = { service, getenv("UKATA_TRACE_FILE"),
				getenv("UKATA_TRACE_COLLECTOR"), 0 };

	memset(ctx, 0, sizeof(*ctx));
	if (tp && trace_parent_parse(tp, strlen(tp), ctx, &why) < 0) {
		log_warn("TRACEPARENT %s: %s: a new trace", tp, why);
		memset(ctx, 0, sizeof(*ctx));
	}
	if ((!s.file || !*s.file) && (!s.collector || !*s.collector))
		return 0;
	return trace_open(&s, err);
}
