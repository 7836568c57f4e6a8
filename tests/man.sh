#!/usr/bin/env bash
# The man pages render and say what hilt does.  Each page of man/ (or of
# the folder given, such as an installed share/man) renders with
# `man --warnings -l` with nothing on stderr; every page a SEE ALSO or
# text names as hilt...(N) is there; every option a command's help lists
# is named in its page.  Every example block (.EX ... .EE)
# of a page follows a comment that says how it is checked:
#   .\" check: suite [FILE...]   a suite file: hilt validate passes it
#   .\" check: farm [FILE...]    a farm file: hilt validate passes it
#                                (warnings about this host are fine)
#   .\" check: command           each "hilt ..." line: its command exists
#                                and every option it uses is in that
#                                command's help
#   .\" check: console           "$ hilt ..." run (as tests/readme.sh does)
#                                and the lines after it shown in that order
#                                ("..." stands for any lines; "(exit N)"
#                                last: its exit status)
#   .\" check: synopsis          the SYNOPSIS's outline of a file (allowed
#                                in SYNOPSIS only)
# The FILEs of a suite or farm example are made beside it before it is
# validated, as what it names (images, logs): NAME/ a folder, NAME.xml a
# copy of suites/linux-boot.xml, anything else an empty file.
. "$(dirname "$0")/lib.sh"
MANDIR=${1:-$SRC/man}
# Console examples run in a folder that looks like the top of the
# repository (its hilt-out is the test's own), ../shared beside it.
mkdir -p "$WORK/top"
for d in suites fixtures tests examples; do ln -s "$SRC/$d" "$WORK/top/$d"; done
[ ! -d "$SRC/../shared" ] || ln -s "$SRC/../shared" "$WORK/shared"
command -v man >/dev/null || { echo "SKIP: man is not installed"; exit 77; }

pages=(hilt.1 hilt-run.1 hilt-list.1 hilt-validate.1 hilt-report.1 hilt-image.1
	hilt-ci.1 hilt-bisect.1 hilt-reserve.1 hilt-console.1 hilt-suite.5 hilt-farm.5)
for p in "${pages[@]}"; do
	sec=${p##*.}
	f=$MANDIR/$p
	[ -r "$f" ] || f=$MANDIR/man$sec/$p
	[ -r "$f" ] || fail "no page $p in $MANDIR"
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" >"$WORK/$p.txt" 2>"$WORK/$p.err" ||
		{ cat "$WORK/$p.err"; fail "man -l cannot render $p"; }
	[ ! -s "$WORK/$p.err" ] || { cat "$WORK/$p.err"; fail "man --warnings -l warned about $p"; }
	name=${p%.*}
	grep -q "^NAME" "$WORK/$p.txt" || fail "$p has no NAME section"
	grep -Eq "^ +$name +- " "$WORK/$p.txt" || fail "$p's NAME does not begin with '$name - '"
	# Every page it names is one of the set.
	for ref in $(grep -o 'hilt[a-z-]*([0-9])' "$WORK/$p.txt" | sort -u); do
		r=${ref%(*}.${ref: -2:1}
		[[ " ${pages[*]} " == *" $r "* ]] || fail "$p names $ref, which is not a page of hilt"
	done
	cp "$f" "$WORK/$p.src"
	echo "ok: $p renders"
done

cd "$WORK"
python3 - "$HILT" "$WORK" "${pages[@]}" <<'PY'
import os, re, shlex, shutil, subprocess, sys
hilt, work, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, LC_ALL="C.UTF-8")

def unroff(line):
    """The text a line of an .EX block shows."""
    names = {"aq": "'", "dq": '"', "ga": "`", "rs": "\\", "em": "\u2014"}
    def one(m):
        e = m.group(1)
        if e.startswith("("):
            return names[e[1:]]
        if e.startswith("f"):
            return ""
        return {"e": "\\", "-": "-", "&": "", " ": " ", "\\": "\\"}[e]
    return re.sub(r"\\(\(..|f[BIRP]|.)", one, line)

def helps():
    """What hilt help says of each command, by its words."""
    out = {}
    for words in (["run"], ["list"], ["validate"], ["report"], ["report", "merge"],
                  ["report", "compare"], ["report", "html"], ["image"], ["image", "info"],
                  ["image", "parttable"], ["image", "merge"], ["ci"], ["ci", "gitlab"],
                  ["bisect"], ["reserve"], ["console"], ["help"]):
        args = [hilt] + words + ["--help"] if len(words) == 2 else [hilt, "help"] + words
        p = subprocess.run(args, capture_output=True, text=True, env=env)
        out[tuple(words)] = p.stdout + p.stderr
    p = subprocess.run([hilt, "--help"], capture_output=True, text=True, env=env)
    out[()] = p.stdout + p.stderr
    return out

HELP = helps()
TWO = {"report": ("merge", "compare", "html"), "image": ("info", "parttable", "merge"),
       "ci": ("gitlab",)}

def check_command(cmd):
    words = shlex.split(cmd)
    if words[0] != "hilt" or len(words) < 2:
        return f"'{cmd}' is not a hilt command"
    if words[1] in ("--help", "--version"):
        return None
    key = words[1:2]
    if words[1] in TWO:
        if len(words) < 3 or words[2] not in TWO[words[1]]:
            return f"'{cmd}': '{words[1]}' takes one of {', '.join(TWO[words[1]])}"
        key = words[1:3]
    elif words[1] not in ("run", "list", "validate", "bisect", "reserve", "console", "help"):
        return f"'{cmd}': no command '{words[1]}'"
    text = HELP[tuple(key)]
    for w in words[len(key) + 1:]:
        if w == "--":
            break
        if w.startswith("-") and w != "-":
            opt = w.split("=", 1)[0]
            if not re.search(r"(^|[\s\[|(,])" + re.escape(opt) + r"([\s\[\]|=,)]|$)", text, re.M):
                return f"'{cmd}': option {opt} is not in 'hilt help {' '.join(key)}'"
    return None

def check_file(kind, text, files, n):
    d = os.path.join(work, f"example-{n}")
    os.makedirs(d)
    for f in files:
        path = os.path.join(d, f)
        if f.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if f.endswith(".xml"):
            shutil.copy(os.path.join(work, "top", "suites", "linux-boot.xml"), path)
        else:
            open(path, "w").close()
    with open(os.path.join(d, "example.xml"), "w") as f:
        f.write(text)
    p = subprocess.run([hilt, "validate", "example.xml"], cwd=d, capture_output=True,
                       text=True, env=env)
    got = p.stdout + p.stderr
    want = "suite '" if kind == "suite" else "farm with "
    if p.returncode != 0 or not re.search(r"^example\.xml: " + want, got, re.M):
        return f"hilt validate of the {kind} example (exit {p.returncode}):\n{text}\n{got}"
    return None

def check_console(lines):
    cmd = lines[0]
    if not cmd.startswith("$ hilt "):
        return f"a console example does not start with '$ hilt ': {cmd}"
    if "../shared/" in cmd and not os.path.isdir(os.path.join(work, "shared")):
        return "skip"
    want = lines[1:]
    status = None
    if want and re.fullmatch(r"\(exit \d+\)", want[-1]):
        status = int(want.pop()[6:-1])
    p = subprocess.run(f'"{hilt}" {cmd[len("$ hilt "):]}', shell=True, capture_output=True,
                       text=True, env=env, cwd=os.path.join(work, "top"))
    got = (p.stdout + p.stderr).split("\n")
    pos = 0
    for w in want:
        if w == "...":
            continue
        while pos < len(got) and got[pos] != w:
            pos += 1
        if pos == len(got):
            return f"'{cmd}': no line '{w}' (in order) in:\n{p.stdout}{p.stderr}"
        pos += 1
    if status is not None and p.returncode != status:
        return f"'{cmd}': exit status {p.returncode}, the page says {status}"
    return None

failed = checked = skipped = 0
n = 0
# Every option a command's help lists is in its page.
PAGE_OF = {("run",): "hilt-run.1", ("list",): "hilt-list.1", ("validate",): "hilt-validate.1",
           ("report", "merge"): "hilt-report.1", ("report", "compare"): "hilt-report.1",
           ("report", "html"): "hilt-report.1", ("image",): "hilt-image.1",
           ("ci", "gitlab"): "hilt-ci.1", ("bisect",): "hilt-bisect.1",
           ("reserve",): "hilt-reserve.1", ("console",): "hilt-console.1"}
for key, page in PAGE_OF.items():
    shown = open(os.path.join(work, page + ".txt"), encoding="utf-8").read()
    # Words broken at the end of a line, by hyphenation or at a hyphen.
    shown = re.sub("\u2010\n\\s*", "", re.sub(r"-\n\s*", "-", shown))
    for opt in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", HELP[key]))):
        if opt == "--help":
            continue
        if not re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", shown):
            print(f"FAIL: {page} does not name {opt}, which 'hilt help {' '.join(key)}' lists")
            failed += 1
for page in pages:
    src = open(os.path.join(work, page + ".src"), encoding="utf-8").read().split("\n")
    mark, section, i = None, None, 0
    while i < len(src):
        line = src[i]
        if line.startswith(".SH "):
            section = line[4:].strip('"')
        m = re.match(r'^\.\\" check: (\S+)(.*)$', line)
        if m:
            mark = (m.group(1), [unroff(w) for w in m.group(2).split()])
        if line.strip() == ".EX":
            j = src.index(".EE", i)
            block = [unroff(l) for l in src[i + 1:j]]
            where = f"{page}:{i + 1}"
            i = j
            n += 1
            err = None
            if mark is None:
                err = "an example with no '.\\\" check:' comment before it"
            elif mark[0] == "synopsis":
                if section != "SYNOPSIS":
                    err = "check: synopsis outside the SYNOPSIS"
                else:
                    mark = None
                    continue
            elif mark[0] in ("suite", "farm"):
                err = check_file(mark[0], "\n".join(block) + "\n", mark[1], n)
            elif mark[0] == "command":
                cmds = [l[2:] if l.startswith("$ ") else l for l in block]
                cmds = [c for c in cmds if c.startswith("hilt ")]
                if not cmds:
                    err = "a command example with no 'hilt ...' line"
                for c in cmds:
                    err = err or check_command(c)
            elif mark[0] == "console":
                err = check_console(block)
            else:
                err = f"unknown check '{mark[0]}'"
            mark = None
            if err == "skip":
                print(f"skip: {where}: it reads ../shared/testdata, which is absent")
                skipped += 1
                i += 1
                continue
            checked += 1
            if err:
                print(f"FAIL: {where}: {err}")
                failed += 1
            else:
                print(f"ok: {where} ({block[0][:60]})")
        i += 1
if checked + skipped < 30:
    print(f"FAIL: only {checked} examples found in the pages")
    failed += 1
print(f"{checked - failed} examples passed, {failed} failed"
      + (f", {skipped} skipped (no ../shared)" if skipped else ""))
sys.exit(1 if failed else 0)
PY
