"""docs/security.md says which identity may call which RPC: its table is hubkit.calls', and its links lead somewhere."""
import re
from pathlib import Path

from hubkit import calls

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def documented_table(text: str) -> dict:
    block = text.split("<!-- call-table:start -->")[1].split("<!-- call-table:end -->")[0]
    table = {}
    for line in block.splitlines():
        match = re.fullmatch(r"\| `(\w+)\.(\w+)` \| ([\w, ]+) \|", line.strip())
        if match:
            table[(match.group(1), match.group(2))] = {name.strip() for name in match.group(3).split(",")}
    return table


def test_the_documented_call_table_is_the_code_s():
    assert documented_table(DOC.read_text(encoding="utf-8")) == {key: set(value) for key, value in calls.CALLERS.items()}


def test_a_renamed_or_added_rpc_would_be_caught():
    text = DOC.read_text(encoding="utf-8").replace("`accounts.notify`", "`accounts.notify_all`")
    assert documented_table(text) != {key: set(value) for key, value in calls.CALLERS.items()}


def test_every_relative_link_of_the_security_doc_exists():
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", DOC.read_text(encoding="utf-8")):
        if not target.startswith("http"):
            assert (DOC.parent / target).exists(), target
