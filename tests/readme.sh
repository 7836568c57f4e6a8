#!/usr/bin/env bash
# The README's examples of commands and their messages are what hilt does:
# every ```console block of README.md holds one command ("$ hilt ...",
# run with this build's hilt in a folder that looks like the top of the
# repository, so that its hilt-out is the test's own) and lines
# its output must show, in that order, where "…" stands for any text.
# The exit status is checked when the block says "(exit N)" on its
# first output line.
. "$(dirname "$0")/lib.sh"
for d in suites fixtures tests README.md; do ln -s "$SRC/$d" "$WORK/$d"; done
cd "$WORK"
python3 - "$HILT" "$WORK" <<'PY'
import os, re, subprocess, sys
hilt, work = sys.argv[1], sys.argv[2]
text = open("README.md", encoding="utf-8").read()
# A block may be indented (inside a list item): the indent is not part of it.
blocks = [re.sub(r"^" + indent, "", body, flags=re.M) for indent, body in
          re.findall(r"^( *)```console\n(.*?)^ *```", text, re.S | re.M)]
if not blocks:
    sys.exit("FAIL: README.md has no ```console examples")
failed = 0
for block in blocks:
    lines = block.rstrip("\n").split("\n")
    cmd = lines[0]
    if not cmd.startswith("$ hilt "):
        sys.exit(f"FAIL: a console example does not start with '$ hilt ': {cmd}")
    want = lines[1:]
    status = None
    if want and re.fullmatch(r"\(exit \d+\)", want[-1]):
        status = int(want.pop()[6:-1])
    args = cmd[len("$ hilt "):]
    proc = subprocess.run(f'"{hilt}" {args}', shell=True, cwd=".", capture_output=True,
                          text=True, env=dict(os.environ, LC_ALL="C.UTF-8"))
    got = (proc.stdout + proc.stderr).split("\n")
    pos = 0
    ok = True
    for w in want:
        rx = re.compile("^" + ".*".join(re.escape(part) for part in w.split("…")) + "$")
        while pos < len(got) and not rx.match(got[pos]):
            pos += 1
        if pos == len(got):
            print(f"FAIL: README example '{cmd}': no line '{w}' (in order) in:\n"
                  + proc.stdout + proc.stderr)
            ok = False
            break
        pos += 1
    if status is not None and proc.returncode != status:
        print(f"FAIL: README example '{cmd}': exit status {proc.returncode}, README says {status}")
        ok = False
    if ok:
        print(f"ok: {cmd}")
    failed += not ok
print(f"{len(blocks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
