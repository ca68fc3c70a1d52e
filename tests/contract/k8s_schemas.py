"""deploy/k8s/ rendered and validated offline: `kubectl kustomize` renders an overlay, every object is checked
against the Kubernetes API's schemas of KUBERNETES_VERSION (the kubernetes-validate package, strict: an unknown
field is an error) or against the openAPIV3Schema of an operator's CRD vendored under tests/data/crds/ (their
README says from where). CRD schemas accept unknown fields, which the API server then silently prunes: here they
are made strict, so a misspelt field of a RabbitmqCluster or a Cluster fails as it would fail to take effect.
"""
import functools
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CRDS = ROOT / "tests" / "data" / "crds"
OVERLAYS = ("dev", "production")
# libyaml's loader where PyYAML has it: the vendored CRDs are 1.7 MB of YAML (0.3 s instead of 6 s)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KUBERNETES_VERSION = "1.32"  # the API the manifests are validated against (deploy/k8s/README.md)


def kubectl() -> str:
    path = shutil.which("kubectl") or ("/usr/bin/kubectl" if Path("/usr/bin/kubectl").exists() else None)
    if path is None:
        raise RuntimeError("kubectl is needed to render deploy/k8s (kubectl kustomize): install it "
                           "(https://kubernetes.io/docs/tasks/tools/) or put it on the PATH")
    return path


def render(directory: Path) -> list:
    """The objects `kubectl kustomize <directory>` renders."""
    result = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory.relative_to(ROOT)} failed:\n{result.stderr[-3000:]}")
    return [item for item in yaml.load_all(result.stdout, Loader=SAFE_LOADER) if item]


def describe(item: dict) -> str:
    return f"{item.get('kind')}/{(item.get('metadata') or {}).get('name')}"


# --- the operators' CRDs ---------------------------------------------------------------------------------

def _strict(schema):
    """A copy of an openAPIV3Schema in which an object with listed properties accepts no other (the API server
    would prune them), except where the CRD keeps unknown fields on purpose."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        strict["additionalProperties"] = False
    return strict


@functools.lru_cache(maxsize=1)
def crd_schemas() -> dict:
    """{(apiVersion, kind): a validator of the object's strict openAPIV3Schema} for every vendored CRD version."""
    validators = {}
    for path in sorted(CRDS.rglob("*.yaml")):
        crd = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        if (crd or {}).get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            schema = _strict(version["schema"]["openAPIV3Schema"])
            schema["properties"]["metadata"] = {"type": "object"}  # ObjectMeta: checked by the API server
            validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return validators


def schema_problems(objects: list) -> list:
    """One line per object that does not validate, or that no known schema describes."""
    problems = []
    for item in objects:
        validator = crd_schemas().get((item.get("apiVersion"), item.get("kind")))
        if validator is not None:
            for error in sorted(validator.iter_errors(item), key=lambda e: list(e.path)):
                where = ".".join(str(part) for part in error.path)
                problems.append(f"{describe(item)} ({item['apiVersion']}): {where}: {error.message[:300]}")
            continue
        try:
            kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            problems.append(f"{describe(item)} (Kubernetes {KUBERNETES_VERSION}): {where}: {error.message[:300]}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{describe(item)}: no schema for {item.get('apiVersion')} {item.get('kind')} in "
                            f"Kubernetes {KUBERNETES_VERSION} nor in tests/data/crds/ (vendor its operator's CRD)")
    return problems
