"""Checks of the deployment files (docs/deploy.md), called by check_deploy.sh.

  check_deploy.py k8s ROOT RENDERED.yaml            the objects `kubectl kustomize deploy/k8s` made
  check_deploy.py compose ROOT NORMALIZED.yaml      `docker compose config` (or alike) output
  check_deploy.py compose ROOT -                    no compose tool: docker/compose.yaml, interpolated here
  check_deploy.py dockerfile ROOT

Prints one line per check: `PASS name`, `FAIL name: why` (or `SKIP name: why`). Exit status 0.
Needs PyYAML only (Debian's python3-yaml).
"""

import os
import re
import sys

import yaml

# The values check_deploy.sh puts in the environment of `compose config`; the same here.
DUMMY_ENV = {
    "LITELLM_MASTER_KEY": "sk-deploy-check-master",
    "OPENAI_API_KEY": "sk-deploy-check-openai",
}
REQUIRED_SECRETS = ("LITELLM_MASTER_KEY", "OPENAI_API_KEY")
# Secrets that may have a default in compose.yaml: services only reachable inside its network.
LOCAL_DEFAULTS_OK = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "REDISCLI_AUTH")
SECRET_NAME = re.compile(r"(KEY|PASSWORD|SECRET|TOKEN|AUTH)$")
LITERAL_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{6,}")


def report(name, ok, why=""):
    if ok:
        print(f"PASS {name}")
    else:
        print(f"FAIL {name}: {why}")


def skip(name, why):
    print(f"SKIP {name}: {why}")


def check(name, fn):
    """Runs fn(), which returns None (pass) or a reason (fail); an exception fails too."""
    try:
        why = fn()
    except Exception as e:  # a missing field is a failure of that check, not of the script
        why = f"{type(e).__name__}: {e}"
    report(name, why is None, why or "")


def seconds(v, default=None):
    """A duration: a number of seconds, or `60s`, `1m15s`, `500ms`, `2h` (compose and the gateway)."""
    if v is None:
        return default
    if isinstance(v, bool):
        raise ValueError(f"not a duration: {v!r}")
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip()
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s)
    units = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|s|m|h|d)", s)
    if not parts or "".join(n + u for n, u in parts) != s:
        raise ValueError(f"not a duration: {v!r}")
    return sum(float(n) * units[u] for n, u in parts)


def gateway_drain_timeout(config_text):
    cfg = yaml.safe_load(config_text) or {}
    g = cfg.get("general_settings") or {}
    return seconds(g.get("drain_timeout"), 30.0)  # README: drain_timeout, default 30 s


def config_problems(config_text, where):
    """What a deployment config must not do: write a secret, or miss the master key / database."""
    cfg = yaml.safe_load(config_text) or {}
    problems = []
    g = cfg.get("general_settings") or {}
    mk = g.get("master_key")
    if mk is not None and not str(mk).startswith("os.environ/"):
        problems.append(f"{where}: general_settings.master_key is a literal, not os.environ/...")
    db = g.get("database_url")
    if db is not None and str(db) != "os.environ/DATABASE_URL":
        problems.append(f"{where}: general_settings.database_url is not os.environ/DATABASE_URL")
    for i, m in enumerate(cfg.get("model_list") or []):
        key = (m.get("litellm_params") or {}).get("api_key")
        if key is not None and not str(key).startswith("os.environ/"):
            problems.append(f"{where}: model_list[{i}].litellm_params.api_key is a literal")
    if not cfg.get("model_list"):
        problems.append(f"{where}: no model_list")
    return problems


# ---------------------------------------------------------------------------------------------
# Kubernetes: the rendered base

def k8s(root, rendered_path):
    with open(rendered_path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d.get("kind"), []).append(d)

    def one(kind, name=None):
        found = [d for d in by_kind.get(kind, [])
                 if name is None or d["metadata"]["name"] == name]
        if len(found) != 1:
            raise LookupError(f"expected one {kind}{' ' + name if name else ''}, found {len(found)}")
        return found[0]

    def deployment():
        return one("Deployment", "switchyard")

    def pod_spec():
        return deployment()["spec"]["template"]["spec"]

    def container():
        cs = pod_spec()["containers"]
        return next(c for c in cs if c["name"] == "switchyard") if len(cs) > 1 else cs[0]

    def pod_labels():
        return deployment()["spec"]["template"]["metadata"].get("labels") or {}

    def port_number(c, port):
        if isinstance(port, int):
            return port
        for p in c.get("ports") or []:
            if p.get("name") == port:
                return p["containerPort"]
        raise LookupError(f"no container port named {port!r}")

    def config_map():
        cms = [cm for cm in by_kind.get("ConfigMap", []) if "config.yaml" in (cm.get("data") or {})]
        if len(cms) != 1:
            raise LookupError(f"expected one ConfigMap with config.yaml, found {len(cms)}")
        return cms[0]

    def drain_timeout():
        return gateway_drain_timeout(config_map()["data"]["config.yaml"])

    def prestop_sleep():
        pre = (container().get("lifecycle") or {}).get("preStop")
        if not pre:
            raise LookupError("no lifecycle.preStop")
        if "sleep" in pre:  # the native sleep action (Kubernetes 1.30+)
            return float(pre["sleep"]["seconds"])
        cmd = (pre.get("exec") or {}).get("command") or []
        text = " ".join(str(x) for x in cmd)
        m = re.search(r"\bsleep\s+(\d+(?:\.\d+)?)", text)
        if not m:
            raise LookupError(f"preStop does not sleep: {text!r}")
        return float(m.group(1))

    def dep_basics():
        d = deployment()
        if d["apiVersion"] != "apps/v1":
            return f"apiVersion {d['apiVersion']}"
        if (d["spec"].get("replicas") or 1) < 2:
            return f"replicas {d['spec'].get('replicas')} (want >= 2)"
        sel = d["spec"]["selector"]["matchLabels"]
        if not sel or any(pod_labels().get(k) != v for k, v in sel.items()):
            return f"selector {sel} does not match the pod labels {pod_labels()}"
        return None

    def readiness():
        c = container()
        p = (c.get("readinessProbe") or {}).get("httpGet") or {}
        if p.get("path") != "/health/readiness":
            return f"readinessProbe.httpGet.path is {p.get('path')!r}"
        if port_number(c, p.get("port")) != 4000:
            return f"readinessProbe port {p.get('port')!r} is not 4000"
        return None

    def liveness():
        c = container()
        p = (c.get("livenessProbe") or {}).get("httpGet") or {}
        if p.get("path") not in ("/health/liveliness", "/health/liveness"):
            return f"livenessProbe.httpGet.path is {p.get('path')!r}"
        if port_number(c, p.get("port")) != 4000:
            return f"livenessProbe port {p.get('port')!r} is not 4000"
        return None

    def grace():
        sleep, drain = prestop_sleep(), drain_timeout()
        tgp = pod_spec().get("terminationGracePeriodSeconds", 30)
        if not tgp > sleep + drain:
            return (f"terminationGracePeriodSeconds {tgp} is not more than preStop sleep {sleep:g} "
                    f"+ drain_timeout {drain:g}")
        if sleep <= 0:
            return "preStop sleeps 0 s"
        return None

    def resources():
        r = container().get("resources") or {}
        missing = [f"{k}.{x}" for k in ("requests", "limits") for x in ("cpu", "memory")
                   if x not in (r.get(k) or {})]
        return f"missing resources {missing}" if missing else None

    def security():
        pod = pod_spec().get("securityContext") or {}
        c = container().get("securityContext") or {}
        merged = {**pod, **c}
        if merged.get("runAsNonRoot") is not True:
            return "runAsNonRoot is not true"
        if merged.get("runAsUser") != 10001:
            return f"runAsUser {merged.get('runAsUser')} (the image's user is 10001)"
        if c.get("readOnlyRootFilesystem") is not True:
            return "readOnlyRootFilesystem is not true"
        if c.get("allowPrivilegeEscalation") is not False:
            return "allowPrivilegeEscalation is not false"
        return None

    def config_mount():
        cm = config_map()
        c, spec = container(), pod_spec()
        vols = [v["name"] for v in spec.get("volumes") or []
                if (v.get("configMap") or {}).get("name") == cm["metadata"]["name"]]
        if not vols:
            return f"no volume of ConfigMap {cm['metadata']['name']}"
        mounted = False
        for m in c.get("volumeMounts") or []:
            if m["name"] not in vols:
                continue
            path = m["mountPath"]
            if m.get("subPath") == "config.yaml" and path == "/app/config.yaml":
                mounted = True
            elif not m.get("subPath") and path.rstrip("/") + "/config.yaml" == "/app/config.yaml":
                mounted = True
        if not mounted:
            return "config.yaml of the ConfigMap is not mounted at /app/config.yaml"
        args = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
        if "--config" in args and args[args.index("--config") + 1] != "/app/config.yaml":
            return f"the container runs with --config {args[args.index('--config') + 1]}"
        return None

    def secret_env():
        c = container()
        names, secrets = {}, {s["metadata"]["name"]: s for s in by_kind.get("Secret", [])}

        def keys_of(secret_name):
            if secret_name not in secrets:
                raise LookupError(f"Secret {secret_name} is not rendered")
            s = secrets[secret_name]
            return set((s.get("stringData") or {}).keys()) | set((s.get("data") or {}).keys())

        for ef in c.get("envFrom") or []:
            ref = ef.get("secretRef")
            if ref:
                for k in keys_of(ref["name"]):
                    names[(ef.get("prefix") or "") + k] = ref["name"]
        for e in c.get("env") or []:
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                if ref["key"] not in keys_of(ref["name"]):
                    return f"env {e['name']}: Secret {ref['name']} has no key {ref['key']}"
                names[e["name"]] = ref["name"]
            elif e["name"] in REQUIRED_SECRETS + ("DATABASE_URL", "REDIS_PASSWORD", "REDIS_URL"):
                return f"env {e['name']} is written in the Deployment, not taken from a Secret"
        need = ["LITELLM_MASTER_KEY", "OPENAI_API_KEY", "DATABASE_URL"]
        missing = [n for n in need if n not in names]
        if "REDIS_URL" not in names and "REDIS_HOST" not in names:
            missing.append("REDIS_URL or REDIS_HOST")
        return f"not from a Secret: {missing}" if missing else None

    def secret_placeholders():
        s = one("Secret", "switchyard-secrets")
        data = s.get("stringData") or {}
        if s.get("data"):
            return "values in data: (base64) rather than readable stringData placeholders"
        for k in ("LITELLM_MASTER_KEY", "OPENAI_API_KEY", "DATABASE_URL"):
            if "CHANGE-ME" not in str(data.get(k, "")):
                return f"{k} is not a CHANGE-ME placeholder"
        if "REDIS_PASSWORD" in data and "CHANGE-ME" not in str(data["REDIS_PASSWORD"]):
            return "REDIS_PASSWORD is not a CHANGE-ME placeholder"
        if not re.match(r"postgres(ql)?://", str(data["DATABASE_URL"])):
            return f"DATABASE_URL is not a postgresql:// URL: {data['DATABASE_URL']!r}"
        return None

    def service():
        s = one("Service", "switchyard")
        if s["spec"].get("type", "ClusterIP") != "ClusterIP":
            return f"type {s['spec'].get('type')}"
        sel = s["spec"].get("selector") or {}
        if not sel or any(pod_labels().get(k) != v for k, v in sel.items()):
            return f"selector {sel} does not select the pods ({pod_labels()})"
        ports = [p for p in s["spec"]["ports"] if p["port"] == 4000]
        if not ports:
            return "no port 4000"
        target = ports[0].get("targetPort", 4000)
        if port_number(container(), target) != 4000:
            return f"targetPort {target!r} is not the container's 4000"
        return None

    def hpa():
        h = one("HorizontalPodAutoscaler")
        if h["apiVersion"] != "autoscaling/v2":
            return f"apiVersion {h['apiVersion']} (want autoscaling/v2)"
        ref = h["spec"]["scaleTargetRef"]
        if ref.get("kind") != "Deployment" or ref.get("name") != deployment()["metadata"]["name"]:
            return f"scaleTargetRef {ref} is not the Deployment"
        if h["spec"].get("minReplicas") != 2 or h["spec"].get("maxReplicas") != 10:
            return f"replicas {h['spec'].get('minReplicas')}..{h['spec'].get('maxReplicas')} (want 2..10)"
        cpu = [m for m in h["spec"].get("metrics") or []
               if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"
               and m["resource"]["target"].get("type") == "Utilization"
               and 0 < m["resource"]["target"].get("averageUtilization", 0) <= 100]
        if not cpu:
            return "no cpu Utilization target"
        if not (container().get("resources") or {}).get("requests", {}).get("cpu"):
            return "cpu utilization needs a cpu request on the container"
        return None

    def pdb():
        p = one("PodDisruptionBudget")
        if p["apiVersion"] != "policy/v1":
            return f"apiVersion {p['apiVersion']} (want policy/v1)"
        if p["spec"].get("minAvailable") != 1:
            return f"minAvailable {p['spec'].get('minAvailable')} (want 1)"
        sel = (p["spec"].get("selector") or {}).get("matchLabels") or {}
        if not sel or any(pod_labels().get(k) != v for k, v in sel.items()):
            return f"selector {sel} does not select the pods ({pod_labels()})"
        return None

    def cm_config():
        problems = config_problems(config_map()["data"]["config.yaml"], "ConfigMap config.yaml")
        return "; ".join(problems) if problems else None

    def kustomization_old_kubectl():
        # Debian 12's kubernetes-client (kubectl 1.20) embeds kustomize v2.0.3: these fields only.
        with open(os.path.join(root, "deploy/k8s/kustomization.yaml")) as f:
            k = yaml.safe_load(f)
        allowed = {"apiVersion", "kind", "resources", "configMapGenerator", "secretGenerator",
                   "generatorOptions", "namespace", "namePrefix", "nameSuffix", "commonLabels",
                   "commonAnnotations", "images", "patchesStrategicMerge", "patchesJson6902",
                   "vars", "crds"}
        extra = sorted(set(k) - allowed)
        if extra:
            return f"fields old kustomize does not know: {extra}"
        for g in (k.get("configMapGenerator") or []) + (k.get("secretGenerator") or []):
            extra = sorted(set(g) - {"name", "behavior", "files", "literals", "env", "type"})
            if extra:
                return f"generator {g.get('name')}: fields old kustomize does not know: {extra}"
        for r in k.get("resources") or []:
            if not os.path.isfile(os.path.join(root, "deploy/k8s", r)):
                return f"resource {r} is not a file of the base (old kustomize: files only)"
        return None

    check("k8s: kustomization.yaml uses only what kubectl 1.20's kustomize knows", kustomization_old_kubectl)
    check("k8s: Deployment switchyard (apps/v1, >= 2 replicas, selector matches pods)", dep_basics)
    check("k8s: readinessProbe GET /health/readiness on 4000", readiness)
    check("k8s: livenessProbe GET /health/liveliness on 4000", liveness)
    check("k8s: preStop sleep; terminationGracePeriodSeconds > sleep + drain_timeout", grace)
    check("k8s: resources requests and limits", resources)
    check("k8s: runAsNonRoot, uid 10001, readOnlyRootFilesystem", security)
    check("k8s: ConfigMap config.yaml mounted at /app/config.yaml", config_mount)
    check("k8s: config.yaml takes its secrets from the environment", cm_config)
    check("k8s: LITELLM_MASTER_KEY, OPENAI_API_KEY, DATABASE_URL, REDIS_* from the Secret", secret_env)
    check("k8s: Secret switchyard-secrets holds CHANGE-ME placeholders only", secret_placeholders)
    check("k8s: Service ClusterIP on 4000 selecting the pods", service)
    check("k8s: HPA autoscaling/v2 on the Deployment, cpu, 2..10", hpa)
    check("k8s: PodDisruptionBudget policy/v1 minAvailable 1 selecting the pods", pdb)


# ---------------------------------------------------------------------------------------------
# Compose

class Missing(Exception):
    pass


def interpolate(value, env):
    """Compose's interpolation: $$, $NAME, ${NAME}, ${NAME:-d}, ${NAME-d}, ${NAME:?e}, ${NAME?e}."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value
    pattern = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")

    def sub(m):
        if m.group(1):
            return "$"
        name = m.group(2) or m.group(5)
        op, arg = m.group(3), m.group(4) or ""
        val = env.get(name)
        unset_or_empty = val is None or (op is not None and op.startswith(":") and val == "")
        if op in (":-", "-"):
            return arg if unset_or_empty else val
        if op in (":?", "?"):
            if unset_or_empty:
                raise Missing(f"{name}: {arg}")
            return val
        return val or ""

    return pattern.sub(sub, value)


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def bind_mounts(service, base):
    """(absolute source, target, read_only) of every bind mount, short or long syntax."""
    out = []
    for v in service.get("volumes") or []:
        if isinstance(v, str):
            parts = v.split(":")
            src, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
            ro = len(parts) > 2 and "ro" in parts[2].split(",")
            if not (src.startswith(".") or src.startswith("/")):
                continue  # a named volume
        else:
            if v.get("type") != "bind":
                continue
            src, target, ro = v["source"], v["target"], bool(v.get("read_only"))
        out.append((os.path.normpath(os.path.join(base, src)), target, ro))
    return out


def named_volumes(service):
    out = []
    for v in service.get("volumes") or []:
        if isinstance(v, str):
            src = v.split(":")[0]
            if not (src.startswith(".") or src.startswith("/")) and ":" in v:
                out.append(src)
        elif v.get("type") == "volume":
            out.append(v.get("source"))
    return out


def healthcheck_text(service):
    t = (service.get("healthcheck") or {}).get("test")
    if isinstance(t, list):
        return " ".join(str(x) for x in t)
    return str(t or "")


def depends(service):
    d = service.get("depends_on") or {}
    if isinstance(d, list):
        return {n: "service_started" for n in d}
    return {n: (c or {}).get("condition", "service_started") for n, c in d.items()}


def strip_nginx_comments(text):
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


def nginx_size(v):
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", v)
    if not m:
        raise ValueError(f"size {v!r}")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]


def compose(root, normalized_path):
    docker_dir = os.path.join(root, "docker")
    raw_path = os.path.join(docker_dir, "compose.yaml")
    with open(raw_path) as f:
        raw = yaml.safe_load(f)

    if normalized_path == "-":
        print("note: no compose tool: docker/compose.yaml read and interpolated by this check")
        env = {k: v for k, v in os.environ.items()}
        env.update(DUMMY_ENV)
        for k in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "REDIS_PASSWORD",
                  "SWITCHYARD_PORT"):
            env.pop(k, None)
        try:
            c = interpolate(raw, env)
        except Missing as e:
            report("compose: interpolates with the required variables set", False, str(e))
            return
        report("compose: interpolates with the required variables set", True)

        def required_refused():
            refused = []
            for name in REQUIRED_SECRETS:
                try:
                    interpolate(raw, {k: v for k, v in env.items() if k != name})
                except Missing as e:
                    if str(e).startswith(name + ":"):
                        refused.append(name)
            missing = [n for n in REQUIRED_SECRETS if n not in refused]
            return f"starts without {missing} (use ${{NAME:?message}})" if missing else None

        check("compose: refuses to start without LITELLM_MASTER_KEY / OPENAI_API_KEY", required_refused)
        base = docker_dir
    else:
        with open(normalized_path) as f:
            c = yaml.safe_load(f)
        base = docker_dir  # normalized output has absolute paths; relative ones stay docker/'s

    services = c.get("services") or {}
    gateways = ("switchyard-1", "switchyard-2")

    def present():
        want = ("postgres", "redis") + gateways + ("nginx",)
        missing = [s for s in want if s not in services]
        return f"missing services {missing}" if missing else None

    check("compose: services postgres, redis, switchyard-1, switchyard-2, nginx", present)
    if present():
        return

    def postgres():
        s = services["postgres"]
        if not str(s.get("image", "")).startswith("postgres:16"):
            return f"image {s.get('image')}"
        env = env_of(s)
        missing = [k for k in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB") if not env.get(k)]
        if missing:
            return f"no {missing}"
        vols = named_volumes(s)
        if not vols or any(v not in (c.get("volumes") or {}) for v in vols):
            return f"no named volume for the data (volumes {s.get('volumes')})"
        if "pg_isready" not in healthcheck_text(s):
            return "healthcheck is not pg_isready"
        return None

    def redis():
        s = services["redis"]
        if not str(s.get("image", "")).startswith("redis:7"):
            return f"image {s.get('image')}"
        h = healthcheck_text(s)
        if "redis-cli" not in h or "ping" not in h:
            return "healthcheck is not redis-cli ping"
        return None

    check("compose: postgres:16, its env, a named volume, pg_isready healthcheck", postgres)
    check("compose: redis:7 with a redis-cli ping healthcheck", redis)

    try:
        with open(os.path.join(docker_dir, "compose-config.yaml")) as f:
            drain = gateway_drain_timeout(f.read())
    except Exception as e:  # then no stop_grace_period can be judged long enough
        report("compose: compose-config.yaml drain_timeout is readable", False, f"{type(e).__name__}: {e}")
        drain = float("inf")

    for name in gateways:
        s = services[name]

        def image(s=s):
            b = s.get("build")
            if b is None:
                return None if str(s.get("image", "")).startswith("switchyard") else "no build, no switchyard image"
            if isinstance(b, str):
                b = {"context": b}
            ctx = os.path.normpath(os.path.join(base, b.get("context", ".")))
            if ctx != os.path.normpath(root):
                return f"build context {ctx} is not the repository root"
            df = os.path.normpath(os.path.join(ctx, b.get("dockerfile", "Dockerfile")))
            if df != os.path.join(os.path.normpath(root), "docker", "Dockerfile"):
                return f"dockerfile {df} is not docker/Dockerfile"
            return None

        def mount(s=s):
            want = os.path.join(docker_dir, "compose-config.yaml")
            for src, target, ro in bind_mounts(s, base):
                if target == "/app/config.yaml":
                    if src != want:
                        return f"/app/config.yaml comes from {src}, not docker/compose-config.yaml"
                    if not ro:
                        return "config mount is not read-only"
                    if not os.path.isfile(src):
                        return f"{src} is missing"
                    cmd = s.get("command") or []
                    cmd = cmd.split() if isinstance(cmd, str) else [str(x) for x in cmd]
                    if "--config" in cmd and cmd[cmd.index("--config") + 1] != "/app/config.yaml":
                        return f"command runs --config {cmd[cmd.index('--config') + 1]}"
                    return None
            return "no bind mount at /app/config.yaml"

        def env(s=s):
            e = env_of(s)
            url = e.get("DATABASE_URL") or ""
            m = re.match(r"postgres(?:ql)?://[^@/]*@([^:/]+)(?::(\d+))?/", url)
            if not m or m.group(1) != "postgres" or (m.group(2) or "5432") != "5432":
                return f"DATABASE_URL {url!r} is not postgresql://...@postgres:5432/..."
            if e.get("REDIS_HOST") != "redis" and not re.match(r"rediss?://[^/]*@?redis(:\d+)?(/|$)", e.get("REDIS_URL") or ""):
                return "REDIS_HOST is not redis"
            if "REDIS_HOST" in e and not e.get("REDIS_PORT"):
                return "no REDIS_PORT"
            if "REDIS_HOST" in e and "REDIS_PASSWORD" not in e:
                return "no REDIS_PASSWORD"
            for k, v in DUMMY_ENV.items():
                if e.get(k) != v:
                    return f"{k} is {e.get(k)!r}, not the host's value"
            return None

        def deps(s=s):
            d = depends(s)
            bad = [n for n in ("postgres", "redis") if d.get(n) != "service_healthy"]
            return f"not depends_on {bad} with condition: service_healthy" if bad else None

        def health(s=s):
            h = healthcheck_text(s)
            if "/health/readiness" not in h:
                return f"healthcheck does not ask /health/readiness: {h!r}"
            if re.search(r"\b(curl|wget)\b", h):
                return "healthcheck uses curl/wget, which the runtime image does not have"
            if "/dev/tcp/" in h:
                if not re.match(r"CMD bash |CMD-SHELL ", h):
                    return "/dev/tcp needs bash"
                if "127.0.0.1/4000" not in h and "localhost/4000" not in h:
                    return "/dev/tcp does not reach the gateway's port 4000"
                if "200" not in h:
                    return "the answer's status is not checked"
            return None

        def grace(s=s):
            g = seconds(s.get("stop_grace_period"), 10.0)
            return None if g > drain else f"stop_grace_period {g:g} s <= drain_timeout {drain:g} s"

        check(f"compose: {name} built from docker/Dockerfile with context ..", image)
        check(f"compose: {name} mounts compose-config.yaml read-only at /app/config.yaml", mount)
        check(f"compose: {name} env: DATABASE_URL on postgres, Redis on redis, keys from the host", env)
        check(f"compose: {name} depends_on postgres and redis: service_healthy", deps)
        check(f"compose: {name} healthcheck on /health/readiness without curl", health)
        check(f"compose: {name} stop_grace_period > drain_timeout ({drain:g} s)", grace)

    def no_literal_secrets():
        problems = []

        def walk(v, path):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(x, f"{path}.{k}")
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    walk(x, f"{path}[{i}]")
            elif isinstance(v, str) and LITERAL_KEY.search(v):
                problems.append(f"{path}: a literal key")

        walk(raw, "compose")
        for sname, s in (raw.get("services") or {}).items():
            for k, v in env_of(s).items():
                if v is None:
                    continue
                if SECRET_NAME.search(k):
                    m = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?][^}]*)?\}", v)
                    if not m:
                        problems.append(f"{sname}.{k}: not a ${{VARIABLE}} reference")
                    elif (m.group(2) or "").lstrip(":").startswith("-") and k not in LOCAL_DEFAULTS_OK:
                        problems.append(f"{sname}.{k}: has a default value")
                if k == "DATABASE_URL":
                    refs = re.sub(r"\$\{[^}]*\}", "<ref>", v)
                    m = re.match(r"postgres(?:ql)?://[^:@/]*:([^@]*)@", refs)
                    if m and m.group(1) != "<ref>":
                        problems.append(f"{sname}.DATABASE_URL: a literal password")
            cmd = s.get("command") or []
            cmd = cmd.split() if isinstance(cmd, str) else [str(x) for x in cmd]
            if "--requirepass" in cmd and not cmd[cmd.index("--requirepass") + 1].startswith("${"):
                problems.append(f"{sname}: --requirepass with a literal password")
        return "; ".join(problems) if problems else None

    check("compose: no literal secrets (only local defaults for the db/Redis passwords)", no_literal_secrets)

    def compose_config():
        with open(os.path.join(docker_dir, "compose-config.yaml")) as f:
            problems = config_problems(f.read(), "compose-config.yaml")
        return "; ".join(problems) if problems else None

    check("compose: compose-config.yaml takes its secrets from the environment", compose_config)

    ngx = services["nginx"]
    conf_path = None

    def nginx_service():
        nonlocal conf_path
        if not str(ngx.get("image", "")).startswith("nginx:1.27"):
            return f"image {ngx.get('image')}"
        for src, target, ro in bind_mounts(ngx, base):
            if target == "/etc/nginx/nginx.conf":
                conf_path = src
        if not conf_path or not os.path.isfile(conf_path):
            return "no nginx.conf mounted at /etc/nginx/nginx.conf"
        published = []
        for p in ngx.get("ports") or []:
            if isinstance(p, str):
                parts = p.split(":")
                published.append((parts[-2] if len(parts) > 1 else None, parts[-1].split("/")[0]))
            else:
                published.append((str(p.get("published")), str(p.get("target"))))
        if ("4000", "4000") not in published:
            return f"port 4000 is not published to nginx's 4000: {published}"
        d = depends(ngx)
        if any(g not in d for g in gateways):
            return "nginx does not depend on both instances"
        return None

    check("compose: nginx:1.27 with docker/nginx.conf, published on 4000", nginx_service)
    if not conf_path:
        return
    with open(conf_path) as f:
        conf = strip_nginx_comments(f.read())

    def upstream():
        ups = re.findall(r"upstream\s+(\S+)\s*\{([^}]*)\}", conf)
        if not ups:
            return "no upstream block"
        passes = re.findall(r"proxy_pass\s+http://([^/;\s]+)", conf)
        for name, body in ups:
            servers = re.findall(r"^\s*server\s+([^\s;]+)", body, re.M)
            if name in passes and all(f"{g}:4000" in servers for g in gateways):
                if not re.search(r"^\s*keepalive\s+\d+\s*;", body, re.M):
                    return f"upstream {name} keeps no connections alive (keepalive N)"
                return None
        return f"no upstream with both switchyard-1:4000 and switchyard-2:4000 used by proxy_pass ({ups})"

    def directives():
        def value(d):
            m = re.findall(rf"^\s*{d}\s+([^;]+);", conf, re.M)
            return m[-1].strip() if m else None

        if value("proxy_buffering") != "off":
            return "proxy_buffering is not off (streams would be held back)"
        rt = value("proxy_read_timeout")
        if rt is None or seconds(rt) < 300:
            return f"proxy_read_timeout {rt} (want >= 300s for streams)"
        if value("proxy_http_version") != "1.1":
            return "proxy_http_version is not 1.1 (no keep-alive to the instances)"
        if not re.search(r'proxy_set_header\s+Connection\s+(""|\'\')\s*;', conf):
            return 'no proxy_set_header Connection "" (keep-alive to the instances)'
        size = value("client_max_body_size")
        if size is None or nginx_size(size) < 10 << 20:
            return f"client_max_body_size {size} (below the gateway's 10 MB)"
        if re.search(r"proxy_set_header\s+Authorization\s+\"?\"?\s*;", conf) or \
                value("proxy_pass_request_headers") == "off":
            return "the Authorization header is dropped"
        if not re.search(r"^\s*listen\s+(\S*:)?4000\b", conf, re.M):
            return "nginx does not listen on 4000"
        return None

    check("compose: nginx upstream lists both instances, keepalive", upstream)
    check("compose: nginx proxy_buffering off, 1.1, read timeout, body size, headers", directives)


# ---------------------------------------------------------------------------------------------
# Dockerfile

def dockerfile(root):
    with open(os.path.join(root, "docker/Dockerfile")) as f:
        text = f.read()
    stages = re.split(r"^FROM\s", text, flags=re.M)[1:]

    def libs():
        if len(stages) < 2:
            return "not a two-stage build"
        build, runtime = stages[0], stages[-1]
        missing = [p for p in ("libsqlite3-dev", "libpq-dev") if p not in build]
        missing += [p for p in ("libsqlite3-0", "libpq5") if p not in runtime]
        return f"not installed: {missing}" if missing else None

    def user():
        m = re.findall(r"^USER\s+(\S+)", stages[-1], re.M)
        if not m:
            return "no USER (runs as root)"
        if m[-1].split(":")[0] != "10001":
            return f"USER {m[-1]}: not the numeric uid 10001 that runAsNonRoot can verify"
        return None

    def healthcheck():
        m = re.search(r"^HEALTHCHECK.*?(?<!\\)$", stages[-1], re.M | re.S)
        if not m:
            return None if re.search(r"^#.*HEALTHCHECK|probes", stages[-1], re.M | re.I) else \
                "no HEALTHCHECK and no comment on why"
        h = m.group(0)
        if re.search(r"\b(curl|wget)\b", h):
            return "HEALTHCHECK uses curl/wget, which bookworm-slim does not have"
        if "/health/liveliness" not in h and "/health/liveness" not in h and "NONE" not in h:
            return "HEALTHCHECK does not use the liveness route"
        return None

    check("Dockerfile: SQLite and libpq in the build and runtime stages", libs)
    check("Dockerfile: runs as the numeric uid 10001", user)
    check("Dockerfile: HEALTHCHECK on liveness without curl (or none, said why)", healthcheck)


if __name__ == "__main__":
    mode, root = sys.argv[1], sys.argv[2]
    if mode == "k8s":
        k8s(root, sys.argv[3])
    elif mode == "compose":
        compose(root, sys.argv[3])
    elif mode == "dockerfile":
        dockerfile(root)
    else:
        sys.exit(f"unknown mode {mode}")
