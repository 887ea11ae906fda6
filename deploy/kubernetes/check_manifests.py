#!/usr/bin/env python3
"""Checks of the rendered Kubernetes manifests (`kubectl kustomize` output) that kubernetes-validate
cannot make: it knows only the built-in kinds, and checks each object alone.

    check_manifests.py custom-resources RENDERED   ServiceMonitor, PrometheusRule, CephClient against
                                                   the fields their CRDs define
    check_manifests.py references RENDERED VARIANT selectors, named ports, ConfigMaps and Secrets
                                                   fit together (VARIANT: base or rook)
    check_manifests.py pod-security RENDERED       the restricted profile, probes and resources
    check_manifests.py dashboards RENDERED DIR     each dashboard ConfigMap holds DIR's JSON, labelled
    check_manifests.py wrapper RENDERED            prints the container's shell command (to run it)

Each command prints what it checked and exits non-zero with one line per problem.
"""
import json, os, re, sys

import yaml

# Fields of the CRDs' openAPIV3Schema (prometheus-operator monitoring.coreos.com/v1, Rook
# ceph.rook.io/v1), the ones a manifest may set. The CRDs reject or prune anything else.
SERVICEMONITOR_SPEC = {
    "attachMetadata", "bodySizeLimit", "convertClassicHistogramsToNHCB", "endpoints",
    "fallbackScrapeProtocol", "jobLabel", "keepDroppedTargets", "labelLimit", "labelNameLengthLimit",
    "labelValueLengthLimit", "namespaceSelector", "nativeHistogramBucketLimit",
    "nativeHistogramMinBucketFactor", "podTargetLabels", "sampleLimit", "scrapeClass",
    "scrapeClassicHistograms", "scrapeProtocols", "selector", "selectorMechanism",
    "serviceDiscoveryRole", "targetLabels", "targetLimit",
}
SERVICEMONITOR_ENDPOINT = {
    "authorization", "basicAuth", "bearerTokenFile", "bearerTokenSecret", "enableHttp2",
    "filterRunning", "followRedirects", "honorLabels", "honorTimestamps", "interval",
    "metricRelabelings", "noProxy", "oauth2", "params", "path", "port", "proxyConnectHeader",
    "proxyFromEnvironment", "proxyUrl", "relabelings", "scheme", "scrapeTimeout", "targetPort",
    "tlsConfig", "trackTimestampsStaleness",
}
PROMETHEUSRULE_GROUP = {"name", "interval", "rules", "partial_response_strategy", "limit", "query_offset", "labels"}
PROMETHEUSRULE_RULE = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
CEPHCLIENT_SPEC = {"caps", "name", "secretName", "removeSecret", "security"}
CEPH_CAP_SERVICES = {"mon", "osd", "mgr", "mds"}
# The prometheus-operator's Duration pattern.
DURATION = re.compile(r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$")
UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}

# What the manifests reference but do not create, per variant: the user's (base) or Rook's (rook).
EXTERNAL = {
    "base": {("ConfigMap", "rbd-meter-ceph"), ("Secret", "rbd-meter-ceph")},
    "rook": {("ConfigMap", "rook-ceph-mon-endpoints")},
}


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def seconds(duration):
    total = 0.0
    for value, unit in re.findall(r"([0-9]+)(ms|y|w|d|h|m|s)", duration):
        total += int(value) * UNITS[unit]
    return total


def of_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def one(docs, kind, bad):
    found = of_kind(docs, kind)
    if len(found) != 1:
        bad.append("expected one %s, found %d" % (kind, len(found)))
        return None
    return found[0]


def unknown(fields, known, where, bad):
    for k in sorted(set(fields) - known):
        bad.append("%s: unknown field %r" % (where, k))


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def cmd_custom_resources(path):
    docs, bad = load(path), []
    for sm in of_kind(docs, "ServiceMonitor"):
        where = "ServiceMonitor %s" % sm["metadata"]["name"]
        if sm.get("apiVersion") != "monitoring.coreos.com/v1": bad.append("%s: apiVersion %s" % (where, sm.get("apiVersion")))
        spec = sm.get("spec") or {}
        unknown(spec, SERVICEMONITOR_SPEC, where + " spec", bad)
        if not (spec.get("selector") or {}).get("matchLabels"): bad.append("%s: no selector.matchLabels" % where)
        if not spec.get("endpoints"): bad.append("%s: no endpoints" % where)
        for i, ep in enumerate(spec.get("endpoints") or []):
            w = "%s endpoints[%d]" % (where, i)
            unknown(ep, SERVICEMONITOR_ENDPOINT, w, bad)
            if not isinstance(ep.get("port"), str): bad.append("%s: no named port" % w)
            for k in ("interval", "scrapeTimeout"):
                if k in ep and not DURATION.match(str(ep[k])): bad.append("%s: %s %r is not a duration" % (w, k, ep[k]))
            if "interval" in ep and "scrapeTimeout" in ep and seconds(ep["scrapeTimeout"]) > seconds(ep["interval"]):
                bad.append("%s: scrapeTimeout is longer than interval" % w)
            if not str(ep.get("path", "/metrics")).startswith("/"): bad.append("%s: path must start with /" % w)
    for pr in of_kind(docs, "PrometheusRule"):
        where = "PrometheusRule %s" % pr["metadata"]["name"]
        if pr.get("apiVersion") != "monitoring.coreos.com/v1": bad.append("%s: apiVersion %s" % (where, pr.get("apiVersion")))
        spec = pr.get("spec") or {}
        unknown(spec, {"groups"}, where + " spec", bad)
        names = [g.get("name") for g in spec.get("groups") or []]
        if not names: bad.append("%s: no groups" % where)
        if len(names) != len(set(names)): bad.append("%s: duplicate group names" % where)
        for g in spec.get("groups") or []:
            w = "%s group %s" % (where, g.get("name"))
            unknown(g, PROMETHEUSRULE_GROUP, w, bad)
            if "interval" in g and not DURATION.match(str(g["interval"])): bad.append("%s: interval is not a duration" % w)
            for r in g.get("rules") or []:
                rw = "%s rule %s" % (w, r.get("alert") or r.get("record"))
                unknown(r, PROMETHEUSRULE_RULE, rw, bad)
                if ("alert" in r) == ("record" in r): bad.append("%s: needs exactly one of alert, record" % rw)
                if not isinstance(r.get("expr"), (str, int)) or str(r.get("expr")).strip() == "": bad.append("%s: no expr" % rw)
                if "for" in r and not DURATION.match(str(r["for"])): bad.append("%s: for is not a duration" % rw)
                for k in ("labels", "annotations"):
                    if not all(isinstance(v, str) for v in (r.get(k) or {}).values()): bad.append("%s: %s values must be strings" % (rw, k))
    for cc in of_kind(docs, "CephClient"):
        where = "CephClient %s" % cc["metadata"]["name"]
        if cc.get("apiVersion") != "ceph.rook.io/v1": bad.append("%s: apiVersion %s" % (where, cc.get("apiVersion")))
        spec = cc.get("spec") or {}
        unknown(spec, CEPHCLIENT_SPEC, where + " spec", bad)
        caps = spec.get("caps") or {}
        # Rook refuses a client without caps, or with an empty one; these names are Rook's reserved ones.
        if not caps or not all(isinstance(v, str) and v for v in caps.values()): bad.append("%s: caps missing or empty" % where)
        unknown(caps, CEPH_CAP_SERVICES, where + " caps", bad)
        if re.match(r"^admin$|^rgw.*$|^rbd-mirror$|^osd.[0-9]*$|^bootstrap-", cc["metadata"]["name"]): bad.append("%s: a name Rook reserves" % where)
        if caps.get("osd", "").strip() != "profile rbd-read-only":
            bad.append("%s: the metering key must be read-only (osd 'profile rbd-read-only'), not %r" % (where, caps.get("osd")))
        # mon 'profile rbd' grants `osd blocklist add`: a metering key with it could fence any client.
        if caps.get("mon", "").strip() != "allow r":
            bad.append("%s: the metering key's monitor caps must be mon 'allow r' (profile rbd may blocklist clients), not %r" % (where, caps.get("mon")))
    counts = {k: len(of_kind(docs, k)) for k in ("ServiceMonitor", "PrometheusRule", "CephClient")}
    if bad: raise SystemExit("\n".join(bad))
    print("custom resources: %s" % ", ".join("%d %s" % (n, k) for k, n in counts.items()))


def pod_parts(docs, bad):
    sts = one(docs, "StatefulSet", bad)
    if not sts: raise SystemExit("\n".join(bad))
    spec = sts["spec"]["template"]["spec"]
    containers = spec.get("containers") or []
    if len(containers) != 1: bad.append("expected one container, found %d" % len(containers))
    return sts, spec, containers[0]


def env_of(container):
    return {e["name"]: e for e in container.get("env") or []}


def cmd_references(path, variant):
    docs, bad = load(path), []
    sts, pod, c = pod_parts(docs, bad)
    ns = {d["metadata"].get("namespace") for d in docs}
    if len(ns) != 1: bad.append("objects in several namespaces %s: a pod reads ConfigMaps and Secrets of its own only" % sorted(map(str, ns)))
    labels = sts["spec"]["template"]["metadata"].get("labels") or {}
    if not matches(sts["spec"]["selector"].get("matchLabels"), labels): bad.append("StatefulSet selector does not match its pod labels")
    svc = one(docs, "Service", bad) or {"metadata": {}, "spec": {}}
    if sts["spec"].get("serviceName") != svc["metadata"].get("name"): bad.append("StatefulSet serviceName %r is not the Service %r" % (sts["spec"].get("serviceName"), svc["metadata"].get("name")))
    if not matches(svc["spec"].get("selector"), labels): bad.append("Service selector does not match the pod labels")
    container_ports = {p.get("name"): p["containerPort"] for p in c.get("ports") or []}
    svc_ports = {p.get("name"): p for p in svc["spec"].get("ports") or []}
    for name, p in svc_ports.items():
        if p.get("targetPort") not in container_ports and p.get("targetPort") not in container_ports.values():
            bad.append("Service port %s targets %r, which the container does not expose" % (name, p.get("targetPort")))
    listen = (env_of(c).get("RBD_METER_LISTEN") or {}).get("value", "")
    if "metrics" not in container_ports: bad.append("the container has no port named metrics")
    elif not listen.endswith(":%d" % container_ports["metrics"]): bad.append("RBD_METER_LISTEN %r is not the metrics port %d" % (listen, container_ports["metrics"]))
    # Every address, IPv6 included: on a single-stack IPv6 cluster the kubelet probes the pod's IPv6 address.
    if not listen.startswith("[::]:"): bad.append("RBD_METER_LISTEN %r does not listen on every address, IPv6 included ([::]:PORT)" % listen)
    for sm in of_kind(docs, "ServiceMonitor"):
        if not matches(sm["spec"]["selector"].get("matchLabels"), svc["metadata"].get("labels") or {}): bad.append("ServiceMonitor selects no Service")
        for ep in sm["spec"].get("endpoints") or []:
            if ep.get("port") not in svc_ports: bad.append("ServiceMonitor port %r is not a port of the Service" % ep.get("port"))
    for probe in ("livenessProbe", "readinessProbe"):
        port = ((c.get(probe) or {}).get("httpGet") or {}).get("port")
        if port not in container_ports and port not in container_ports.values(): bad.append("%s port %r is not a container port" % (probe, port))
    # Everything referenced must be in the output, or be what the user or Rook provides.
    made = {(d["kind"], d["metadata"]["name"]) for d in docs}
    wanted = set()
    for v in pod.get("volumes") or []:
        if "configMap" in v: wanted.add(("ConfigMap", v["configMap"]["name"]))
        if "secret" in v: wanted.add(("Secret", v["secret"]["secretName"]))
    for e in c.get("env") or []:
        ref = e.get("valueFrom") or {}
        if "configMapKeyRef" in ref: wanted.add(("ConfigMap", ref["configMapKeyRef"]["name"]))
        if "secretKeyRef" in ref: wanted.add(("Secret", ref["secretKeyRef"]["name"]))
    external = set(EXTERNAL[variant])
    clients = of_kind(docs, "CephClient")
    for cc in clients:
        secret = (cc.get("spec") or {}).get("secretName") or "rook-ceph-client-%s" % cc["metadata"]["name"]
        external.add(("Secret", secret))
    for ref in sorted(wanted - made - external): bad.append("%s %s is referenced but neither made here nor provided" % ref)
    for ref in sorted(external - wanted): bad.append("%s %s is expected from outside but not used" % ref)
    mounts = {m["name"]: m for m in c.get("volumeMounts") or []}
    for v in pod.get("volumes") or []:
        if v["name"] not in mounts: bad.append("volume %s is not mounted" % v["name"])
    for m in mounts:
        if m not in {v["name"] for v in pod.get("volumes") or []} | {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []}:
            bad.append("mount %s has no volume" % m)
    env = env_of(c)
    # One shard per replica: pod rbd-meter-I runs --shard I/RBD_METER_SHARDS.
    shards = (env.get("RBD_METER_SHARDS") or {}).get("value")
    if shards != str(sts["spec"].get("replicas", 1)): bad.append("RBD_METER_SHARDS %r is not the StatefulSet's replicas %r" % (shards, sts["spec"].get("replicas", 1)))
    key_file = (env.get("RBD_METER_CEPH_KEY_FILE") or {}).get("value", "")
    key_vol = [v for v in pod.get("volumes") or [] if "secret" in v and mounts.get(v["name"]) and key_file == os.path.join(mounts[v["name"]]["mountPath"], (v["secret"].get("items") or [{}])[0].get("path", ""))]
    if not key_vol: bad.append("RBD_METER_CEPH_KEY_FILE %r is no file of a mounted Secret" % key_file)
    if variant == "rook":
        if len(clients) != 1: bad.append("the rook variant needs one CephClient")
        elif key_vol:
            name = clients[0]["metadata"]["name"]
            items = key_vol[0]["secret"].get("items") or []
            # Rook's Secret holds the key under the client's name (and as userKey).
            if not items or items[0].get("key") not in (name, "userKey"): bad.append("the key file comes from data key %r, not %r of Rook's Secret" % (items[0].get("key") if items else None, name))
            if (env.get("RBD_METER_CEPH_ID") or {}).get("value") != name: bad.append("RBD_METER_CEPH_ID is not the CephClient's name %r" % name)
        if "RBD_METER_CEPH_MON_HOST" in env: bad.append("the rook variant must take the monitors from rook-ceph-mon-endpoints, not RBD_METER_CEPH_MON_HOST")
    else:
        if "RBD_METER_CEPH_MON_HOST" not in env: bad.append("RBD_METER_CEPH_MON_HOST is not set")
    config = [v["configMap"]["name"] for v in pod.get("volumes") or [] if "configMap" in v]
    config_env = (env.get("RBD_METER_CONFIG") or {}).get("value", "")
    cms = {d["metadata"]["name"]: d for d in of_kind(docs, "ConfigMap")}
    if not any(config_env == os.path.join(mounts[v["name"]]["mountPath"], k) for v in pod.get("volumes") or [] if "configMap" in v and v["configMap"]["name"] in cms for k in cms[v["configMap"]["name"]].get("data", {})):
        bad.append("RBD_METER_CONFIG %r is no file of a mounted ConfigMap" % config_env)
    db = (env.get("RBD_METER_DATABASE_PATH") or {}).get("value", "")
    claims = {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []}
    if not any(db.startswith(mounts[n]["mountPath"].rstrip("/") + "/") for n in claims if n in mounts): bad.append("the database %r is not on the volume claim" % db)
    shards = (env.get("RBD_METER_SHARDS") or {}).get("value")
    if str(sts["spec"].get("replicas", 1)) != str(shards): bad.append("replicas %s and RBD_METER_SHARDS %r differ: every shard needs its replica" % (sts["spec"].get("replicas", 1), shards))
    if bad: raise SystemExit("\n".join(bad))
    print("references of %d objects fit together (%s; external: %s)" % (len(docs), variant, ", ".join("%s %s" % r for r in sorted(external))))


def cmd_pod_security(path):
    docs, bad = load(path), []
    sts, pod, c = pod_parts(docs, bad)
    psc, sc = pod.get("securityContext") or {}, c.get("securityContext") or {}
    if not (psc.get("runAsNonRoot") or sc.get("runAsNonRoot")): bad.append("runAsNonRoot is not set")
    uid = sc.get("runAsUser", psc.get("runAsUser"))
    if uid in (None, 0): bad.append("runAsUser is %r, not a non-root uid" % uid)
    if sc.get("allowPrivilegeEscalation") is not False: bad.append("allowPrivilegeEscalation is not false")
    if sc.get("readOnlyRootFilesystem") is not True: bad.append("readOnlyRootFilesystem is not true")
    if (sc.get("capabilities") or {}).get("drop") != ["ALL"] or (sc.get("capabilities") or {}).get("add"): bad.append("capabilities are not drop [ALL] with none added")
    if ((sc.get("seccompProfile") or psc.get("seccompProfile")) or {}).get("type") != "RuntimeDefault": bad.append("seccompProfile is not RuntimeDefault")
    if sc.get("privileged"): bad.append("privileged")
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(k): bad.append("%s is set" % k)
    if psc.get("fsGroup") is None: bad.append("no fsGroup: the history volume would not be writable")
    if ((c.get("livenessProbe") or {}).get("httpGet") or {}).get("path") != "/healthz": bad.append("livenessProbe is not GET /healthz")
    # Ready means serving: a readiness tied to scans would stall rollouts while Ceph is down.
    if ((c.get("readinessProbe") or {}).get("httpGet") or {}).get("path") != "/healthz": bad.append("readinessProbe is not GET /healthz")
    res = c.get("resources") or {}
    for k in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(k) or {}): bad.append("no %s.%s" % (k, r))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= 30: bad.append("terminationGracePeriodSeconds %s leaves no time beyond server.shutdown_grace_seconds (30)" % grace)
    if bad: raise SystemExit("\n".join(bad))
    print("restricted pod security, probes, resources %s" % json.dumps(res, sort_keys=True))


def cmd_dashboards(path, folder):
    docs, bad = load(path), []
    boards = {}
    for cm in of_kind(docs, "ConfigMap"):
        if (cm["metadata"].get("labels") or {}).get("grafana_dashboard") == "1":
            for k, v in (cm.get("data") or {}).items():
                boards[k] = v
    want = sorted(f for f in os.listdir(folder) if f.endswith(".json"))
    if sorted(boards) != want: bad.append("dashboard ConfigMaps hold %s, %s has %s" % (sorted(boards), folder, want))
    for f in want:
        if f in boards:
            with open(os.path.join(folder, f)) as fh:
                if json.loads(boards[f]) != json.load(fh): bad.append("%s differs from %s" % (f, os.path.join(folder, f)))
    if bad: raise SystemExit("\n".join(bad))
    print("%d dashboards labelled grafana_dashboard=1, equal to %s" % (len(boards), folder))


def cmd_wrapper(path):
    docs, bad = load(path), []
    _, _, c = pod_parts(docs, bad)
    if c.get("command") != ["/bin/sh", "-c"] or len(c.get("args") or []) != 1:
        raise SystemExit("the container does not run one /bin/sh -c script")
    sys.stdout.write(c["args"][0])


if __name__ == "__main__":
    commands = {"custom-resources": cmd_custom_resources, "references": cmd_references,
                "pod-security": cmd_pod_security, "dashboards": cmd_dashboards, "wrapper": cmd_wrapper}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        raise SystemExit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
