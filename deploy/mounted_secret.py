"""A password for the deployment scripts (rabbitmq/users.py, redis/users.py): the content of the file
`<VARIABLE>_FILE` names (a mounted secret) or else the variable's value; the script stops, naming both, when
neither is set. Stdlib only, like the scripts: they run from any Python 3.11 image, without the hub installed
(hubkit.config.env_secret, its twin for the hub's processes, is not there)."""
import os


def secret(variable: str, environ=os.environ) -> str:
    """`variable`'s value, or the content of the file `<variable>_FILE` names (a mounted secret)."""
    path = environ.get(f"{variable}_FILE")
    if path:
        with open(path, encoding="utf-8") as file:
            return file.read().strip()
    value = environ.get(variable, "")
    if not value:
        raise SystemExit(f"{variable} (or {variable}_FILE) is not set")
    return value
