/* A growable byte buffer with an upper bound. */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /* 0: unbounded */
};

#define BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

/* Each returns 0, or -1 with errno ENOMEM or ENOSPC (bound reached). */
int buf_append(struct buf *b, const void *p, size_t n);
/* Room for extra more bytes (and the NUL) without reallocating. */
int buf_reserve(struct buf *b, size_t extra);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Append code point cp as UTF-8. */
int buf_put_utf8(struct buf *b, uint32_t cp);
void buf_reset(struct buf *b);
/* Drop the first n bytes (all of them when n >= len): what was sent. */
void buf_drop_front(struct buf *b, size_t n);
void buf_free(struct buf *b);
/* Hand over the data (NUL-terminated, never NULL on success). */
char *buf_steal(struct buf *b);

/* The value of a hexadecimal digit, or -1. */
static inline int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
