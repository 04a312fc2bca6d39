#include <stdlib.h>

#include "harness.h"

static struct test *head, **tail = &head;
int test_failed_checks;

void test_register(struct test *t)
{
	*tail = t;
	tail = &t->next;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (struct test *t = head; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		int before = test_failed_checks;
		t->fn();
		if (test_failed_checks == before) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s\n", t->name);
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
