/* A process's stdio relayed through the agent (agent/relay.c), for the
 * per-process shim and for the shim v2, which relays every process of its
 * pod itself. */
#ifndef AGENT_RELAY_H
#define AGENT_RELAY_H

#include "agent/agent.h"

struct agent_relay {
	struct agent agent; /* its own connection, shared by its threads */
	const char *cid, *eid; /* the caller's, for as long as the relay */
	bool terminal; /* one output stream */
	int fds[3];    /* stdin, stdout, stderr (-1: none), the relay's to close */
	int stop[2];
};

/* Connect to the agent at url for process eid of container cid (eid is
 * cid for its first process); once it is open, fds are the relay's. */
int agent_relay_open(struct agent_relay *r, const char *url, const char *cid, const char *eid,
		     bool terminal, const int fds[3], struct error **err);
/* Relay until the process's output has ended, then its exit status
 * (WaitProcess) in *status; stdin is relayed until its EOF (then
 * CloseStdin) or until then. r->agent may be used meanwhile (signals,
 * TtyWinResize). */
int agent_relay_run(struct agent_relay *r, int *status, struct error **err);
void agent_relay_close(struct agent_relay *r);

#endif
