#!/usr/bin/python3
"""Check the trace of one traced `run` in a file of OTLP/JSON lines:
usage trace_check.py FILE CONTAINER direct|template|cache. The run's spans must form
one tree under the command's span, covering config load, VM acquisition
(with its source), QEMU launch or the VMCache server's GetBaseVM, agent
ready, CreateSandbox, CreateContainer, StartContainer, wait and delete;
parent links must be right across processes (runtime, proxy, shim, agent,
server). Prints what is wrong and exits 1, or prints a line and exits 0."""
import json
import sys

path, cid, source = sys.argv[1:4]
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)
    return cond


spans = []
for n, line in enumerate(open(path), 1):
    if not line.strip():
        continue
    try:
        doc = json.loads(line)
    except ValueError as e:
        problems.append("%s:%d: not JSON (%s)" % (path, n, e))
        continue
    for rs in doc["resourceSpans"]:
        service = {a["key"]: a["value"]["stringValue"]
                   for a in rs["resource"]["attributes"]}["service.name"]
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                spans.append({
                    "trace": s["traceId"], "id": s["spanId"], "parent": s.get("parentSpanId", ""),
                    "name": s["name"], "service": service,
                    "attrs": {a["key"]: a["value"]["stringValue"] for a in s["attributes"]},
                    "start": int(s["startTimeUnixNano"]), "end": int(s["endTimeUnixNano"]),
                    "code": s["status"].get("code", 0)})

roots = [s for s in spans if s["name"] == "run" and not s["parent"] and
         s["attrs"].get("container.id") == cid]
if not need(len(roots) == 1, "%d root spans 'run' for %s" % (len(roots), cid)):
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
root = roots[0]
T = [s for s in spans if s["trace"] == root["trace"]]
by_id = {s["id"]: s for s in T}
need(len(by_id) == len(T), "span ids repeat")

# One tree: every span's parents lead to the root.
for s in T:
    seen, p = set(), s
    while p["parent"] and p["id"] not in seen:
        seen.add(p["id"])
        if not need(p["parent"] in by_id, "%s (%s): parent %s is not in the trace" %
                    (p["name"], p["service"], p["parent"])):
            break
        p = by_id[p["parent"]]
    else:
        need(p is root, "%s (%s) does not lead to the root" % (s["name"], s["service"]))


def find(name, service="kata-runtime"):
    got = [s for s in T if s["name"] == name and s["service"] == service]
    need(len(got) >= 1, "no span %s of %s" % (name, service))
    return got[0] if got else None


def parent_of(s):
    return by_id.get(s["parent"]) if s else None


def under(child, parent):
    c, p = child, parent
    if c and p:
        need(parent_of(c) is p, "%s (%s) is under %s, not %s (%s)" % (
            c["name"], c["service"], (parent_of(c) or {}).get("name"), p["name"], p["service"]))


AG = "grpc.AgentService/"
create, start, delete = find("sandbox.create"), find("sandbox.start"), find("sandbox.delete")
for name in ("config.load", "sandbox.create", "sandbox.start", "wait", "sandbox.delete"):
    under(find(name), root)
vm = find("vm.get")
under(vm, create)
need(vm and vm["attrs"].get("vm.source") == source,
     "vm.get's vm.source is %s, not %s" % (vm and vm["attrs"].get("vm.source"), source))
if source in ("direct", "template"):
    launch = find("qemu.launch")
    under(launch, vm)
    mode = launch and launch["attrs"].get("qemu.mode")
    need(mode == ("boot" if source == "direct" else "clone"), "qemu.mode %s" % mode)
    under(find("qemu.spawn"), launch)
    under(find("qmp.connect"), launch)
    if source == "template":  # the template's state loaded, then resumed
        under(find("qmp migrate-incoming"), launch)
        under(find("qmp cont"), vm)
else:
    get = find("cache.CacheService/GetBaseVM")
    under(get, vm)
    under(find("cache.CacheService/GetBaseVM", "kata-vmcache"), get)
    under(find("qmp cont"), vm)
ready = find("agent.ready")
under(ready, create)
under(find("grpc.Health/Check"), ready)
for name, parent in (("CreateSandbox", create), ("CreateContainer", create),
                     ("StartContainer", start), ("RemoveContainer", delete)):
    client = find(AG + name)
    under(client, parent)
    under(find(AG + name, "kata-agent"), client)  # the agent's span joins the caller's
under(find("proxy", "kata-proxy"), find("proxy.spawn"))
shim = find("shim", "kata-shim")
under(shim, find("shim.spawn"))
wait = find(AG + "WaitProcess", "kata-shim")
under(wait, shim)
under(find(AG + "WaitProcess", "kata-agent"), wait)
under(find("teardown"), delete)

# Spans of one process nest in time (the agent's clock is the guest's).
for s in T:
    p = parent_of(s)
    if p and s["service"] == p["service"] and s["service"] != "kata-agent":
        need(p["start"] <= s["start"] and s["end"] <= p["end"],
             "%s is not within %s in time" % (s["name"], p["name"]))
    need(s["end"] >= s["start"], "%s ends before it starts" % s["name"])
    need(s["code"] == 1, "%s (%s): status %s" % (s["name"], s["service"], s["code"]))
services = sorted({s["service"] for s in T})
want = ["kata-agent", "kata-proxy", "kata-runtime", "kata-shim"] + (
    ["kata-vmcache"] if source == "cache" else [])
need(services == sorted(want), "services %s, not %s" % (services, sorted(want)))

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("one trace of %d spans from %s" % (len(T), ", ".join(services)))
