/* Debian ships mbedtls as glibc-built static archives compiled with
 * _FORTIFY_SOURCE; they reference glibc's checked variants, which musl does
 * not provide. These forward to the plain functions with the same checks.
 * Built only into musl builds (glibc has them). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/select.h>

#ifndef __GLIBC__
void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen);
void *__memset_chk(void *d, int c, size_t n, size_t dlen);
int __printf_chk(int flag, const char *fmt, ...);
int __snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap);
long __fdelt_chk(long d);
void (*__sysv_signal(int sig, void (*h)(int)))(int);

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		abort();
	return memcpy(d, s, n);
}

void *__memset_chk(void *d, int c, size_t n, size_t dlen)
{
	if (n > dlen)
		abort();
	return memset(d, c, n);
}

int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap)
{
	if (n > slen)
		abort();
	return vsnprintf(s, n, fmt, ap);
}

int __snprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = __vsnprintf_chk(s, n, flag, slen, fmt, ap);
	va_end(ap);
	return r;
}

long __fdelt_chk(long d)
{
	if (d < 0 || d >= FD_SETSIZE)
		abort();
	return d / (8 * (long)sizeof(long));
}

void (*__sysv_signal(int sig, void (*h)(int)))(int)
{
	return signal(sig, h);
}
#endif
