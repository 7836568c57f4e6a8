#!/usr/bin/env bash
# hilt ci gitlab: the child pipeline it writes, and that pipeline run by
# gitlab-ci-local (its shell executor) over the default guest and the board
# simulator.  Usage: ci.sh generate|pipeline
#   generate  the YAML as GitLab's schema and a YAML parser read it: jobs,
#             tags, resource groups, retries, artifacts, the merge; each
#             job's command run through a shell makes, with hilt list, the
#             sessions of one unsplit plan; names from files are quoted
#             safely; usage errors print no pipeline
#   pipeline  the pipeline run end to end: two emulator shards boot the
#             guest, a board job runs on the simulator, the merge job's
#             JUnit validates and holds exactly the cases of the plan
# Both need gitlab-ci-local (./setup.sh installs it); without it they skip.
. "$SRC/tests/lib.sh"

# Where setup.sh installs gitlab-ci-local (GITLAB_CI_LOCAL overrides).
ci_local_dir=${HILT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilt}/gitlab-ci-local
GCL=${GITLAB_CI_LOCAL:-$ci_local_dir/node_modules/.bin/gitlab-ci-local}
if [ ! -x "$GCL" ]; then
	GCL=$(command -v gitlab-ci-local) || {
		echo "SKIP: gitlab-ci-local is not installed (./setup.sh installs it in $ci_local_dir)"
		exit 77
	}
fi
# js-yaml, which gitlab-ci-local reads pipelines with, beside it.
NODE_MODULES=$(cd "$(dirname "$(readlink -f "$GCL")")/../.." && pwd)
[ -d "$NODE_MODULES/js-yaml" ] || NODE_MODULES=$(dirname "$(dirname "$(readlink -f "$GCL")")")/node_modules

SIM_PID=
stop_sim() {
	[ -z "$SIM_PID" ] || { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }
	end_sessions
}
trap stop_sim EXIT

# yaml_json FILE: FILE's YAML as JSON (js-yaml, as gitlab-ci-local reads it).
yaml_json() {
	NODE_PATH=$NODE_MODULES node -e '
const yaml = require("js-yaml"), fs = require("fs");
process.stdout.write(JSON.stringify(yaml.load(fs.readFileSync(process.argv[1], "utf8"))));
' "$1" || fail "$1 is not YAML"
}

# gcl_repo DIR: DIR made a git repository of what it holds (gitlab-ci-local
# reads the project from git, and copies its tracked files to each job).
gcl_repo() {
	git -C "$1" init -q -b main &&
		git -C "$1" add -A &&
		git -C "$1" -c user.name=hilt -c user.email=hilt@localhost commit -q -m pipeline ||
		fail "cannot make a git repository of $1"
}

# suite_copy SRC DEST REQUIRES: the suite SRC with <requires tags=REQUIRES/>.
suite_copy() {
	sed "s|^\(<suite [^>]*>\)|\1<requires tags=\"$3\"/>|" "$1" >"$2"
	grep -q "<requires tags=\"$3\"/>" "$2" || fail "no <requires> put into $2"
}

# board_target NAME TAGS: a board on the simulator's console.
board_target() {
	cat <<XML
  <target name="$1" kind="board" tags="$2">
    <console type="tcp" host="127.0.0.1" port="$PORT"/>
    <var name="control">$WORK/ctl</var>
    <reset timeout="5"><arg>python3</arg><arg>$SIM</arg><arg>ctl</arg><arg>{control}</arg><arg>reset</arg></reset>
    <lock dir="$WORK" wait="60"/>
  </target>
XML
}

# qemu_target NAME TAGS KERNEL INITRD: the default guest as a farm target.
qemu_target() {
	cat <<XML
  <target name="$1" kind="qemu" tags="$2">
    <kernel>$3</kernel>
    <initrd>$4</initrd>
    <append>console=ttyS0 panic=-1</append>
  </target>
XML
}

# sessions_of_list: hilt list's session lines, sorted.
sessions_of_list() {
	grep -v '^[0-9]* sessions\?$' | sort
}

case "$1" in
generate)
	cd "$WORK"
	mkdir -p suites fake
	: >fake/vmlinuz
	: >fake/initrd.img
	PORT=1
	# Two emulator pools, five board pools: board=sim (two boards), one
	# whose tag holds what a shell and YAML take specially, a board with no
	# tags (its pool is its name), and two whose slugs would meet.
	{
		echo "<farm>"
		qemu_target q1 "arch=x86_64" fake/vmlinuz fake/initrd.img
		qemu_target q2 "arch=x86_64 speed=fast" fake/vmlinuz fake/initrd.img
		board_target b1 "board=sim"
		board_target b2 "board=sim"
		board_target b3 "odd=it&apos;s&quot;\$HOME\\&amp;\`x\`;#&#x2028;é"
		board_target lab-7 ""
		# Two pools that differ only where both become '-'.
		board_target b5 "x=y-z"
		board_target b6 "x-y=z"
		echo "</farm>"
	} >farm.xml
	suite_copy "$SRC/tests/data/board-boot.xml" suites/emu.xml "arch=x86_64"
	sed -i 's/name="board-boot"/name="emu"/' suites/emu.xml
	suite_copy "$SRC/tests/data/board-boot.xml" suites/board.xml "board=sim"
	sed 's/name="board-boot"/name="any"/' "$SRC/tests/data/board-boot.xml" >"suites/any suite.xml"
	SUITES=(suites/emu.xml suites/board.xml "suites/any suite.xml")

	# A stand-in for hilt on the runners, at a path with a space: it runs
	# hilt list with the arguments a job's hilt run got (less --out and
	# --jobs), so that the jobs' plans can be put together.
	mkdir -p "bin dir"
	cat >"bin dir/hilt" <<SH
#!/usr/bin/env bash
[ "\$1" = run ] || { echo "not hilt run: \$*" >&2; exit 2; }
shift
args=()
while [ \$# -gt 0 ]; do
	case "\$1" in
	--out) echo "\$2" >>"$WORK/outs"; shift 2 ;;
	--jobs) echo "\$2" >>"$WORK/jobs"; shift 2 ;;
	*) args+=("\$1"); shift ;;
	esac
done
exec "$HILT" list "\${args[@]}"
SH
	chmod +x "bin dir/hilt"

	"$HILT" ci gitlab --farm farm.xml --parallel 9 --jobs 2 --image "registry.example/hilt:1" \
		--hilt "$WORK/bin dir/hilt" "${SUITES[@]}" >child.yml || fail "hilt ci gitlab failed"
	cat child.yml
	yaml_json child.yml >child.json

	# The pipeline's shape.
	python3 - child.json "$WORK" <<'PY' || fail "the pipeline is not as expected"
import json, re, sys
p = json.load(open(sys.argv[1]))
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
check(p["stages"] == ["test", "report"], "stages %r" % p["stages"])
jobs = {k: v for k, v in p.items() if k != "stages"}
pools = sorted(k for k in jobs if k.startswith("pool:"))
check(set(jobs) == {"emulators", "merge-junit"} | set(pools), "jobs %r" % sorted(jobs))
check(len(pools) == 5, "board pool jobs %r" % pools)
xyz = [k for k in pools if k.startswith("pool:x-y-z")]
check(len(xyz) == 2 and all(re.fullmatch(r"pool:x-y-z-[0-9a-f]{8}", k) for k in xyz),
      "x=y-z and x-y=z: %r" % xyz)
check("pool:board-sim" in pools, "no job for the pool board=sim: %r" % pools)
check("pool:lab-7" in pools, "no job for the pool lab-7: %r" % pools)
odd = [k for k in pools if k not in ["pool:board-sim", "pool:lab-7"] + xyz][0]
# Sanitised to what GitLab takes, readable, and told apart by a hash
# since characters were dropped.
check(re.fullmatch(r"pool:odd-it-s-home-x-[0-9a-f]{8}", odd), "odd pool's job %r" % odd)
retry = {"max": 2, "when": ["runner_system_failure"], "exit_codes": [3]}
for name in pools + ["emulators"]:
    j = jobs[name]
    check(j["stage"] == "test", name + " stage")
    check(j["retry"] == retry, "%s retry %r" % (name, j["retry"]))
    a = j["artifacts"]
    check(a["when"] == "always", name + " artifacts not always kept")
    check(len(a["paths"]) == 1 and a["reports"]["junit"] == a["paths"][0] + "junit.xml",
          "%s artifacts %r" % (name, a))
    check(len(j["script"]) == 1, name + " script")
for name in pools:
    j = jobs[name]
    slug = name[len("pool:"):]
    check(re.fullmatch(r"[a-z0-9._-]+", slug), "slug " + slug)
    check(j["tags"] == ["hilt-" + slug], "%s tags %r" % (name, j["tags"]))
    check(j["resource_group"] == "hilt-" + slug, name + " resource_group")
    check(j["artifacts"]["paths"] == ["hilt-out/pool-%s/" % slug], name + " paths")
    check("image" not in j and "parallel" not in j, name + ": image or parallel")
e = jobs["emulators"]
# Four emulator sessions (emu and any on each of two pools): nine shards
# asked for, four made.
check(e["parallel"] == 4, "parallel %r" % e.get("parallel"))
check(e["image"] == "registry.example/hilt:1", "emulators image")
check("tags" not in e and "resource_group" not in e, "emulators tagged")
check('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in e["script"][0], "no --shard")
check(e["artifacts"]["paths"] == ["hilt-out/emulators-*/"], "emulators paths")
m = jobs["merge-junit"]
check(m["stage"] == "report" and m["when"] == "always", "merge stage/when")
check(m["image"] == "registry.example/hilt:1", "merge image")
check(sorted(n["job"] for n in m["needs"]) == sorted(pools + ["emulators"]), "merge needs")
check(all(n["artifacts"] is True for n in m["needs"]), "merge needs without artifacts")
check(m["script"][-1] == "'%s/bin dir/hilt' report merge -o hilt-out/junit.xml hilt-out/*/junit.xml"
      % sys.argv[2], "merge command %r" % m["script"][-1])
check(m["artifacts"]["reports"]["junit"] == "hilt-out/junit.xml", "merge report")
for name in pools + ["emulators", "merge-junit"]:
    print(name)
PY
	grep -q "^#   hilt ci gitlab --farm farm.xml --parallel 9" child.yml || fail "no command in the header"
	grep -q "^# resource_group: one per pool" child.yml || fail "the header says nothing of resource_group"

	# Every job's command, run by a shell as the runner would, makes part
	# of the plan; together they make the unsplit plan, each session once.
	"$HILT" list --farm farm.xml "${SUITES[@]}" | sessions_of_list >want || fail "hilt list"
	python3 - child.json >scripts <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for name, j in p.items():
    if name == "stages" or name == "merge-junit":
        continue
    for i in range(1, j.get("parallel", 1) + 1):
        print("%d %d %s" % (i, j.get("parallel", 1), j["script"][0]))
PY
	: >got
	while read -r index total script; do
		CI_NODE_INDEX=$index CI_NODE_TOTAL=$total bash -c "set -eo pipefail; $script" >part ||
			fail "job command failed: $script"
		[ "$(sessions_of_list <part | wc -l)" -gt 0 ] || fail "a job of no session: $script"
		sessions_of_list <part >>got
	done <scripts
	sort got >got.sorted
	diff want got.sorted || fail "the jobs' sessions are not those of the plan"
	[ "$(sort -u outs | wc -l)" -eq 9 ] || fail "9 jobs without 9 output folders of their own: $(cat outs)"
	[ "$(sort -u jobs)" = 2 ] && [ "$(wc -l <jobs)" -eq 4 ] || fail "--jobs 2 not given to each emulator shard"
	grep -qF "odd=it's\"\$HOME\\&\`x\`;#"$'\u2028'"é: b3" want || fail "the odd pool's name did not come through the shell whole"

	# GitLab's schema, as gitlab-ci-local checks it.
	mkdir repo
	cp -r farm.xml fake suites repo/
	cp child.yml repo/.gitlab-ci.yml
	gcl_repo repo
	(cd repo && "$GCL" --list --no-color) >list.log 2>&1 || { cat list.log; fail "gitlab-ci-local refused the pipeline"; }
	cat list.log
	assert_grep "json schema validated" list.log
	# And the parent pipeline of examples/ci, which triggers such a child.
	mkdir parent
	cp "$SRC/examples/ci/gitlab-ci.yml" parent/.gitlab-ci.yml
	gcl_repo parent
	(cd parent && "$GCL" --list --no-color) >parent.log 2>&1 || { cat parent.log; fail "gitlab-ci-local refused examples/ci/gitlab-ci.yml"; }
	assert_grep "json schema validated" parent.log
	assert_grep "^hilt-run .*\[hilt-plan\]" parent.log

	# The built-in farm, one emulator job: no parallel, no shard.
	"$HILT" ci gitlab "$SRC/suites/linux-boot.xml" >one.yml || fail "hilt ci gitlab on the default guest"
	yaml_json one.yml >one.json
	python3 - one.json "$SRC" <<'PY' || fail "the one-job pipeline is not as expected"
import json, re, sys
p = json.load(open(sys.argv[1]))
check = lambda c, w: c or sys.exit("FAIL: " + w)
check(sorted(p) == ["emulators", "merge-junit", "stages"], "jobs %r" % sorted(p))
e = p["emulators"]
check("parallel" not in e and "image" not in e, "parallel or image")
check(re.fullmatch(r'hilt run --pool \S+ --out "hilt-out/emulators" %s/suites/linux-boot.xml'
                   % re.escape(sys.argv[2]), e["script"][0]), "command %r" % e["script"][0])
check(p["merge-junit"]["needs"] == [{"job": "emulators", "artifacts": True}], "needs")
PY
	# Boards only (--tags): no emulator job.
	"$HILT" ci gitlab --farm farm.xml --tags board=sim suites/board.xml "suites/any suite.xml" >boards.yml ||
		fail "hilt ci gitlab --tags board=sim"
	yaml_json boards.yml >boards.json
	python3 - boards.json <<'PY' || fail "the boards-only pipeline is not as expected"
import json, sys
p = json.load(open(sys.argv[1]))
check = lambda c, w: c or sys.exit("FAIL: " + w)
check(sorted(p) == ["merge-junit", "pool:board-sim", "stages"], "jobs %r" % sorted(p))
check(p["pool:board-sim"]["script"][0] ==
      "hilt run --farm farm.xml --tags board=sim --pool board=sim "
      "--out \"hilt-out/pool-board-sim\" suites/board.xml 'suites/any suite.xml'",
      "command %r" % p["pool:board-sim"]["script"][0])
PY

	# Mistakes: a usage error (2), a missing guest (3), and no pipeline.
	expect_error() {
		local want=$1 rc
		shift
		"$HILT" "$@" >err.out 2>err.txt
		rc=$?
		cat err.txt
		expect_exit "$want" "$rc" "hilt $*"
		[ ! -s err.out ] || fail "hilt $* printed a pipeline: $(head -c 200 err.out)"
		[ -s err.txt ] || fail "hilt $* said nothing"
	}
	expect_error 2 ci
	expect_error 2 ci jenkins suites/emu.xml
	expect_error 2 ci gitlab --farm farm.xml
	expect_error 2 ci gitlab --farm farm.xml --parallel 0 suites/emu.xml
	expect_error 2 ci gitlab --farm farm.xml --parallel 201 suites/emu.xml
	expect_error 2 ci gitlab --farm farm.xml --tags nope suites/emu.xml
	expect_error 2 ci gitlab --farm farm.xml --tags arch=arm64 suites/emu.xml
	expect_error 2 ci gitlab --farm farm.xml "$SRC/tests/data/bad-suites/three-mistakes.xml"
	expect_error 2 ci gitlab --farm farm.xml --hilt $'\xff' suites/emu.xml
	assert_grep "not UTF-8" err.txt
	HILT_GUEST_DIR=$WORK/no-guest expect_error 3 ci gitlab "$SRC/suites/linux-boot.xml"
	# --pool, which the jobs run with, is exact and says what it left.
	"$HILT" list --farm farm.xml --pool arch=x86_64 suites/emu.xml >pool.txt || fail "hilt list --pool"
	[ "$(sessions_of_list <pool.txt)" = "emu (suites/emu.xml) on arch=x86_64: q1" ] ||
		fail "--pool arch=x86_64 took more than its pool: $(cat pool.txt)"
	expect_error 2 list --farm farm.xml --pool nope --pool board=sim suites/emu.xml
	assert_grep "in the pools given ('nope', 'board=sim')" err.txt
	"$HILT" help ci >help.txt || fail "hilt help ci"
	assert_grep "^usage: hilt ci gitlab" help.txt
	;;

pipeline)
	[ -r "$HILT_GUEST_DIR/vmlinuz" ] || fail "no default guest in $HILT_GUEST_DIR"
	REPO=$WORK/repo
	mkdir -p "$REPO/suites"
	start_sim
	# The default guest (two suites) and the board simulator, each suite
	# on its kind of target.
	{
		echo "<farm>"
		qemu_target guest "arch=x86_64" "$HILT_GUEST_DIR/vmlinuz" "$HILT_GUEST_DIR/initrd.img"
		board_target sim1 "board=sim"
		echo "</farm>"
	} >"$REPO/farm.xml"
	suite_copy "$SRC/suites/linux-boot.xml" "$REPO/suites/linux-boot.xml" "arch=x86_64"
	suite_copy "$SRC/suites/http-hello.xml" "$REPO/suites/http-hello.xml" "arch=x86_64"
	suite_copy "$SRC/tests/data/board-boot.xml" "$REPO/suites/board-boot.xml" "board=sim"
	SUITES=(suites/linux-boot.xml suites/http-hello.xml suites/board-boot.xml)
	cd "$REPO"
	"$HILT" ci gitlab --farm farm.xml --parallel 2 --jobs 1 --hilt "$HILT" "${SUITES[@]}" \
		>.gitlab-ci.yml || fail "hilt ci gitlab failed"
	cat .gitlab-ci.yml
	"$HILT" list --farm farm.xml "${SUITES[@]}" >"$WORK/plan" || fail "hilt list"
	cat "$WORK/plan"
	gcl_repo "$REPO"

	# gitlab-ci-local runs each job in a copy of the repository
	# (--shell-isolation) and hands the artifacts of the jobs merge-junit
	# needs to it, as GitLab does; it ignores runner tags, so the board job
	# runs here too.
	in_session gcl "$GCL" --shell-executor-no-image --shell-isolation --no-color \
		--variable "HILT_GUEST_DIR=$HILT_GUEST_DIR" >"$WORK/gcl.log" 2>&1
	rc=$?
	cat "$WORK/gcl.log"
	expect_exit 0 "$rc" "gitlab-ci-local"
	no_leftover gcl "a process a job started"
	assert_grep "json schema validated" "$WORK/gcl.log"
	for job in "emulators: \[1/2\]" "emulators: \[2/2\]" "pool:board-sim" "merge-junit"; do
		grep -q "^ PASS  $job *\$" "$WORK/gcl.log" || fail "job $job did not pass"
	done

	# Each shard booted the guest: its own JUnit, valid, of passing cases.
	for i in 1 2; do
		junit=hilt-out/emulators-$i/junit.xml
		[ -f "$junit" ] || fail "no $junit"
		validate "$junit"
		grep -q '<testcase ' "$junit" || fail "$junit holds no case"
		! grep -q '<failure\|<error' "$junit" || fail "$junit holds a failure or an error"
		assert_grep 'name="milestone.network-up.time"' "$junit"
	done
	validate hilt-out/pool-board-sim/junit.xml
	assert_grep 'name="capture.kernel_version" value="6.1.0-56-amd64"' hilt-out/pool-board-sim/junit.xml

	# The merged JUnit: valid, and exactly the plan's sessions with each
	# suite's cases, each once, all passed.
	validate hilt-out/junit.xml
	python3 - "$WORK/plan" hilt-out/junit.xml <<'PY' || fail "the merged JUnit is not the plan's"
import re, sys, xml.etree.ElementTree as ET
want = {}
for line in open(sys.argv[1]):
    m = re.fullmatch(r"(\S+) \((\S+)\) on (\S+): (\S+)\n", line)
    if not m:
        continue
    suite, path, pool, target = m.groups()
    cases = [e.get("name") for e in ET.parse(path).getroot()
             if e.tag in ("milestone", "step", "http")]
    want["%s@%s" % (suite, target)] = cases
got = {}
root = ET.parse(sys.argv[2]).getroot()
for ts in root.iter("testsuite"):
    name = ts.get("name")
    if name in got:
        sys.exit("FAIL: testsuite %s twice" % name)
    got[name] = [tc.get("name") for tc in ts.iter("testcase")]
    for tc in ts.iter("testcase"):
        if any(c.tag in ("failure", "error", "skipped") for c in tc):
            sys.exit("FAIL: %s %s did not pass" % (name, tc.get("name")))
if got != want:
    sys.exit("FAIL: merged %r, the plan %r" % (got, want))
total = sum(len(c) for c in want.values())
if root.get("tests") != str(total):
    sys.exit("FAIL: tests=%s, %d cases" % (root.get("tests"), total))
print("merged: %d sessions, %d cases" % (len(got), total))
PY
	;;
*)
	fail "unknown case $1"
	;;
esac
