#!/usr/bin/env bash
# The house's rule, read off the #include lines of the source tree:
#   runner/   the program (cli/, engine/, cases/): may include anything below
#   targets/  target kinds: only base/ and targets/
#   reports/  the JUnit model and its readers and writers: only base/ and reports/
#   base/     loop, children, buffers, text, output files, digests: only base/
# Every quoted include is written from the repository's root and names a
# file that is there; no two top-level folders include each other, however
# long the way round.
#
#   layers.sh [SOURCE_DIR]        checks the tree (default: this checkout)
#   layers.sh --self-test         also shows the check fails on a copy of the
#                                 tree with an include from targets/ into
#                                 runner/ and with a cycle added
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

# check DIR: prints every breach, exit 1 if there is one.
check() {
	local root=$1
	(cd "$root" && find base runner targets reports -name '*.[ch]' -print0 2>/dev/null |
		xargs -0 grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' /dev/null) |
	awk -v root="$root" '
	function top(p) { sub(/\/.*/, "", p); return p }
	BEGIN {
		allow["base"] = "base"
		allow["targets"] = "base targets"
		allow["reports"] = "base reports"
		allow["runner"] = "base targets reports runner"
		bad = 0
	}
	{
		file = $0; sub(/:.*/, "", file)
		line = $0; sub(/^[^:]*:/, "", line); lineno = line; sub(/:.*/, "", lineno)
		inc = line; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		from = top(file); to = top(inc)
		if ((getline junk < (root "/" inc)) < 0) {
			printf "%s:%s: #include \"%s\" is not a path from the repository root\n", file, lineno, inc
			bad = 1; next
		}
		close(root "/" inc)
		if (!(to in allow)) {
			printf "%s:%s: #include \"%s\" reaches outside the layers (%s/)\n", file, lineno, inc, to
			bad = 1; next
		}
		n = split(allow[from], ok, " "); fine = 0
		for (i = 1; i <= n; i++) if (ok[i] == to) fine = 1
		if (!fine) {
			printf "%s:%s: %s/ may not include %s/ (#include \"%s\")\n", file, lineno, from, to, inc
			bad = 1
		}
		if (from != to) edge[from, to] = file ":" lineno
	}
	END {
		# A cycle between folders: a way from a folder back to itself.
		split("base targets reports runner", tops, " ")
		for (k in tops) for (i in tops) for (j in tops) {
			a = tops[i]; b = tops[j]; c = tops[k]
			if (((a, c) in reach || (a, c) in edge) && ((c, b) in reach || (c, b) in edge))
				reach[a, b] = 1
		}
		for (i in tops) for (j in tops) {
			a = tops[i]; b = tops[j]
			if (a < b && ((a, b) in edge || (a, b) in reach) && ((b, a) in edge || (b, a) in reach)) {
				printf "cycle between %s/ and %s/ (%s, %s)\n", a, b, \
					((a, b) in edge) ? edge[a, b] : "by way of another folder", \
					((b, a) in edge) ? edge[b, a] : "by way of another folder"
				bad = 1
			}
		}
		exit bad
	}'
}

if [ "${1:-}" = "--self-test" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cp -r "$here/base" "$here/runner" "$here/targets" "$here/reports" "$tmp/"
	fail=0
	if ! out=$(check "$tmp"); then
		echo "FAIL: the unchanged copy is refused:"; echo "$out"; exit 1
	fi
	# An include from targets/ into runner/.
	sed -i '1i #include "runner/engine/session.h"' "$tmp/targets/replay.c"
	if out=$(check "$tmp"); then
		echo "FAIL: an include from targets/ into runner/ passed"; fail=1
	else
		echo "refused, as it must be: $out" | head -n 3
	fi
	sed -i '1d' "$tmp/targets/replay.c"
	# A relative include.
	sed -i '1i #include "loop.h"' "$tmp/base/child.c"
	if check "$tmp" >/dev/null; then
		echo "FAIL: a relative include passed"; fail=1
	fi
	sed -i '1d' "$tmp/base/child.c"
	# A cycle: reports/ into targets/ and targets/ into reports/ (each
	# breaks the per-folder rule too; the cycle is reported besides).
	sed -i '1i #include "targets/target.h"' "$tmp/reports/junit.c"
	sed -i '1i #include "reports/junit.h"' "$tmp/targets/replay.c"
	if out=$(check "$tmp"); then
		echo "FAIL: a cycle between reports/ and targets/ passed"; fail=1
	elif ! grep -q '^cycle between reports/ and targets/' <<<"$out"; then
		echo "FAIL: the cycle was not named:"; echo "$out"; fail=1
	fi
	[ $fail -eq 0 ] || exit 1
	echo "the check refuses what it must"
fi

dir=$here
[ $# -gt 0 ] && [ "$1" != --self-test ] && dir=$1
if ! out=$(check "$dir"); then
	echo "FAIL: the layering rule is broken:"
	echo "$out"
	exit 1
fi
echo "PASS: every include from the repository root, each layer only downward, no cycle"
