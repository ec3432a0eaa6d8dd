#!/usr/bin/env python3
"""Properties of the built Kubernetes manifests that a schema cannot check.

    check_manifests.py ROOT OVERLAY=FILE... 

Each FILE is the output of `kubectl kustomize k8s/overlays/OVERLAY`. Exits 1 naming every
failed property. Also checks k8s/base/secret.example.yaml (placeholders only; the MongoDB
connection string's write and read concerns) and that each veche_* metric an alert rule names
is one the Rust code registers.
"""
import re
import sys
from pathlib import Path

import yaml

failures = []


def fail(msg):
    failures.append(msg)


def load(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text()) if d]


def pod_spec(obj):
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet", "Job"):
        return obj["spec"]["template"]["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def find(docs, kind, name):
    for d in docs:
        if d["kind"] == kind and d["metadata"]["name"] == name:
            return d
    fail(f"no {kind} {name}")
    return None


# A value that is not an obvious placeholder: long enough and without CHANGE_ME.
def real_looking(value):
    return "CHANGE_ME" not in value and len(value) >= 8 and value not in ("root",)


def check_overlay(name, docs, expect):
    where = f"[{name}]"
    for d in docs:
        spec = pod_spec(d)
        if spec is None:
            continue
        ident = f"{where} {d['kind']} {d['metadata']['name']}"
        psc = spec.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True:
            fail(f"{ident}: pod securityContext.runAsNonRoot is not true")
        if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            fail(f"{ident}: pod seccompProfile is not RuntimeDefault")
        for c in spec.get("initContainers", []) + spec["containers"]:
            cid = f"{ident} container {c['name']}"
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(res.get(part, {})):
                    fail(f"{cid}: resources.{part} lacks cpu or memory")
            sc = c.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True:
                fail(f"{cid}: readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                fail(f"{cid}: allowPrivilegeEscalation is not false")
            if sc.get("capabilities", {}).get("drop") != ["ALL"]:
                fail(f"{cid}: capabilities do not drop ALL")
            image = c["image"]
            if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
                fail(f"{cid}: image {image} has no fixed tag")

    app = find(docs, "Deployment", "veche-app")
    worker = find(docs, "Deployment", "veche-worker")
    hpa = find(docs, "HorizontalPodAutoscaler", "veche-app")
    mongo = find(docs, "StatefulSet", "mongo")
    if app:
        c = app["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        if env.get("VECHE_WORKER") != "off":
            fail(f"{where} veche-app: VECHE_WORKER is not off")
        if c.get("args") != ["serve"]:
            fail(f"{where} veche-app: args are {c.get('args')}, not [serve]")
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"),
                            ("startupProbe", "/healthz")):
            got = c.get(probe, {}).get("httpGet", {}).get("path")
            if got != path:
                fail(f"{where} veche-app: {probe} is on {got}, not {path}")
        if app["spec"]["replicas"] != expect["app"]:
            fail(f"{where} veche-app: {app['spec']['replicas']} replicas, not {expect['app']}")
        if not c["image"].startswith("ghcr.io/veche/veche:"):
            fail(f"{where} veche-app: image {c['image']}")
    if worker:
        c = worker["spec"]["template"]["spec"]["containers"][0]
        if c.get("args") != ["worker"]:
            fail(f"{where} veche-worker: args are {c.get('args')}, not [worker]")
        if worker["spec"]["replicas"] != expect["worker"]:
            fail(f"{where} veche-worker: {worker['spec']['replicas']} replicas, "
                 f"not {expect['worker']}")
    if hpa and hpa["spec"]["minReplicas"] != expect["hpa_min"]:
        fail(f"{where} HPA minReplicas {hpa['spec']['minReplicas']}, not {expect['hpa_min']}")
    if mongo:
        if mongo["spec"]["replicas"] != 3:
            fail(f"{where} mongo: {mongo['spec']['replicas']} members, not 3")
        if not mongo["spec"].get("volumeClaimTemplates"):
            fail(f"{where} mongo: no volumeClaimTemplates")
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    if not any(p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
               and "egress" not in p["spec"]
               and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in policies):
        fail(f"{where} no default-deny NetworkPolicy")
    for d in docs:
        if d["kind"] == "Secret":
            for key, value in {**d.get("stringData", {}), **d.get("data", {})}.items():
                if real_looking(str(value)):
                    fail(f"{where} Secret {d['metadata']['name']} key {key} holds a real-looking value")


def check_secret_template(root):
    docs = load(root / "k8s/base/secret.example.yaml")
    for d in docs:
        if d["kind"] != "Secret" or "data" in d:
            fail(f"secret.example.yaml: {d['kind']} {d['metadata']['name']}: only stringData")
        for key, value in d.get("stringData", {}).items():
            if real_looking(value) and "CHANGE_ME" not in value:
                fail(f"secret.example.yaml: {key} is not a CHANGE_ME placeholder")
    uri = next((d["stringData"].get("mongodb-uri") for d in docs
                if d["metadata"]["name"] == "veche-secrets"), "")
    for part in ("replicaSet=rs0", "w=majority", "readConcernLevel=majority"):
        if part not in uri:
            fail(f"secret.example.yaml: mongodb-uri lacks {part}")
    listed = (root / "k8s/base/kustomization.yaml").read_text()
    if re.search(r"^\s*-\s*secret\.example\.yaml", listed, re.M):
        fail("k8s/base/kustomization.yaml includes secret.example.yaml")


def check_alert_metrics(root, docs):
    rules_cm = find(docs, "ConfigMap", "veche-prometheus-rules")
    if not rules_cm:
        return
    rules = yaml.safe_load(rules_cm["data"]["veche.rules.yml"])
    sources = "\n".join(p.read_text() for p in root.glob("*/src/**/*.rs"))
    sources += "\n".join(p.read_text() for p in (root / "src").glob("**/*.rs"))
    registered = set(re.findall(r'"(veche_[a-z0-9_]+)"', sources))
    alerts = 0
    for group in rules["groups"]:
        for rule in group["rules"]:
            alerts += 1
            for field in ("alert", "expr"):
                if field not in rule:
                    fail(f"alert rule in {group['name']} lacks {field}")
            for name in set(re.findall(r"\bveche_[a-z0-9_]+", rule.get("expr", ""))):
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if name not in registered and base not in registered:
                    fail(f"alert {rule.get('alert')}: metric {name} is not registered in the code")
    if alerts < 5:
        fail(f"only {alerts} alert rules")


EXPECT = {
    "dev": {"app": 1, "worker": 1, "hpa_min": 1},
    "prod": {"app": 3, "worker": 2, "hpa_min": 3},
}


def main():
    root = Path(sys.argv[1])
    built = dict(arg.split("=", 1) for arg in sys.argv[2:])
    for overlay, expect in EXPECT.items():
        if overlay not in built:
            fail(f"overlay {overlay} was not built")
            continue
        docs = load(built[overlay])
        check_overlay(overlay, docs, expect)
        check_alert_metrics(root, docs)
    check_secret_template(root)
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"manifest properties hold ({', '.join(sorted(built))})")


if __name__ == "__main__":
    main()
