/* Shared inside sandbox/: acting on a live container through its agent. */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include "sandbox/sandbox.h"

#define SB_MASK(st) (1u << (st))
#define SB_LIVE (SB_MASK(SB_CREATED) | SB_MASK(SB_RUNNING) | SB_MASK(SB_PAUSED))

/* Lock container id and read its state; unless its status now is one of
 * allowed (SB_MASK bits), fail with "container ID is STATUS: why"; then
 * connect to its agent. Release with sb_agent_done. */
int sb_with_agent(const struct sb_env *env, const char *id, unsigned allowed, const char *why,
		  struct sb_state *s, int *lock, struct agent *a, struct error **err);
void sb_agent_done(struct sb_state *s, int lock, struct agent *a);

/* One step of the sandbox as a span under parent: expr's result, the
 * span ending with *err's message when it failed. */
#define SB_STEP(parent, name, err, expr)                                          \
	({                                                                         \
		struct trace_span sp_;                                             \
		trace_begin(&sp_, (parent), (name));                               \
		int r_ = (expr);                                                   \
		trace_end_err(&sp_, r_, (err));                                    \
	})

/* The agent's spans (StopTracing) into this process's trace sink, when
 * [agent.kata] enable_tracing. */
void sb_agent_spans(const struct sb_env *env, struct agent *a);

#endif
