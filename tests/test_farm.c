/* The farm model (runner/engine/farm.c) and the kinds' configurations behind it:
 * the fields every target has, read by the farm, and each kind's own, read
 * by the kind; the built-in target and a replay added on the command line,
 * through the registry's entry points.
 * The loader's messages are checked by tests/bad_input.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "runner/engine/farm.h"
#include "base/template.h"
#include "base/xmlfile.h"
#include "targets/qemu.h"
#include "targets/replay.h"
#include "targets/target.h"

static const char *src(void)
{
	const char *s = getenv("HILT_SOURCE_DIR");

	return s ? s : ".";
}

static bool has_tag(const struct hilt_target_config *t, const char *tag)
{
	for (size_t i = 0; i < t->ntags; i++)
		if (strcmp(t->tags[i], tag) == 0)
			return true;
	return false;
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

static int test_generic_fields(void)
{
	char path[4096], err[HILT_CONFIG_ERR_MAX];
	struct hilt_farm *farm = NULL;

	snprintf(path, sizeof(path), "%s/tests/data/good-farms/scheduling.xml", src());
	int rc = hilt_farm_load(path, &farm, err, sizeof(err));

	CHECK(rc == 0, "%s", err);
	if (rc)
		return 0;
	CHECK(farm->ntargets == 3, "%zu targets", farm->ntargets);

	const struct hilt_target_config *q = hilt_farm_find(farm, "tcg-slow");
	const struct hilt_target_config *r = hilt_farm_find(farm, "replayed");
	const struct hilt_target_config *p = hilt_farm_find(farm, "plain");

	CHECK(q && r && p, "a target is missing");
	if (!q || !r || !p)
		goto out;
	CHECK(q->timeout_multiplier == 4, "%g", q->timeout_multiplier);
	CHECK(r->timeout_multiplier == 0.5, "%g", r->timeout_multiplier);
	CHECK(p->timeout_multiplier == 1, "default %g", p->timeout_multiplier);
	/* Relative to the farm file, and there. */
	CHECK(q->health_check && ends_with(q->health_check, "/suites/linux-boot.xml") &&
	      access(q->health_check, R_OK) == 0, "%s", q->health_check ? q->health_check : "NULL");
	CHECK(q->health_check_line == 6, "line %ld", q->health_check_line);
	CHECK(r->health_check && r->health_check_line == 12, "line %ld", r->health_check_line);
	CHECK(!p->health_check && !p->health_check_line, "a health check nobody asked for");
	CHECK(has_tag(q, "kind=qemu") && has_tag(q, "arch=x86_64") && q->ntags == 2,
	      "%zu tags", q->ntags);
	/* Each kind's part, read by the kind. */
	CHECK(q->ops == &hilt_qemu_ops && r->ops == &hilt_replay_ops, "ops not of the kind");
	const struct hilt_qemu_config *qc = q->priv;
	const struct hilt_replay_config *rc_ = r->priv;

	CHECK(qc && ends_with(qc->kernel, "/images/vmlinuz") && qc->memory_mib == 256 &&
	      strcmp(qc->nic, "e1000") == 0, "qemu config not read");
	CHECK(rc_ && ends_with(rc_->log, "fixtures/logs/linux-boot-x86.log") &&
	      ends_with(rc_->timing, "fixtures/logs/linux-boot-x86.timing") && !rc_->realtime &&
	      rc_->log_relative && rc_->log_line == 11, "replay config not read");
out:
	hilt_farm_free(farm);
	return 0;
}

static int test_default(void)
{
	char dir[] = "/tmp/hilt-test-farm-XXXXXX", file[128], err[1024] = "";
	struct hilt_farm *farm = NULL;

	if (!mkdtemp(dir))
		abort();
	/* No guest made there yet. */
	int rc = hilt_farm_default(dir, &farm, err, sizeof(err));

	CHECK(rc == -ENOENT && strstr(err, "holds no default guest") &&
	      strstr(err, "/vmlinuz: No such file"), "rc %d: %s", rc, err);
	for (int i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, i ? "initrd.img" : "vmlinuz");
		FILE *f = fopen(file, "w");

		if (!f || fclose(f))
			abort();
	}
	rc = hilt_farm_default(dir, &farm, err, sizeof(err));
	CHECK(rc == 0, "%s", err);
	if (rc == 0) {
		const struct hilt_target_config *t = hilt_farm_find(farm, "default");

		CHECK(t && t->ops == &hilt_qemu_ops && strcmp(t->kind, "qemu") == 0, "no qemu default");
		CHECK(t && t->ntags == 2 && has_tag(t, "arch=x86_64") && has_tag(t, "kind=qemu"),
		      "the default target's tags");
		CHECK(t && t->timeout_multiplier == 1 && !t->health_check, "generic defaults");
		const struct hilt_qemu_config *q = t ? t->priv : NULL;

		CHECK(q && strcmp(q->append, "console=ttyS0 panic=-1") == 0 &&
		      ends_with(q->initrd, "/initrd.img"), "the default guest's config");

		CHECK(t && strcmp(t->source, "built-in") == 0 && !t->named_only, "the default's source");

		/* A replay added on the command line, beside it. */
		const struct hilt_target_config *r = NULL;

		rc = hilt_farm_add_spec(farm, "replay:logs/x.console.log", NULL, &r, err, sizeof(err));
		CHECK(rc == 0 && r && r->ops == &hilt_replay_ops && farm->ntargets == 2, "%s", err);
		if (r) {
			const struct hilt_replay_config *rc_ = r->priv;

			/* Named after the log's file, as the run's files are. */
			CHECK(strcmp(r->name, "replay:x") == 0, "%s", r->name);
			CHECK(strcmp(r->kind, "replay") == 0 && strcmp(r->source, "command line") == 0,
			      "%s %s", r->kind, r->source);
			CHECK(strcmp(rc_->log, "logs/x.console.log") == 0 &&
			      strcmp(rc_->timing, "logs/x.console.timing") == 0 && !rc_->realtime,
			      "%s", rc_->timing);
			CHECK(r->timeout_multiplier == 1 && !r->health_check, "generic defaults");
			CHECK(r->named_only, "planned where it is not named");
		}
		/* A word no kind makes a target of, and one that is wrong:
		 * the farm is as it was. */
		rc = hilt_farm_add_spec(farm, "default", NULL, &r, err, sizeof(err));
		CHECK(rc == -ENOENT && farm->ntargets == 2, "rc %d", rc);
		rc = hilt_farm_add_spec(farm, "replay:", NULL, &r, err, sizeof(err));
		CHECK(rc == -EINVAL && strstr(err, "needs a log path") && farm->ntargets == 2,
		      "rc %d: %s", rc, err);
		hilt_farm_free(farm);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, i ? "initrd.img" : "vmlinuz");
		unlink(file);
	}
	rmdir(dir);
	return 0;
}

static int test_replay_config(void)
{
	struct hilt_replay_config *r = NULL;

	CHECK(hilt_replay_config_new("a.log", "b.timing", true, &r) == 0, "new");
	CHECK(r && strcmp(r->timing, "b.timing") == 0 && r->realtime, "given timing");
	hilt_replay_config_set_realtime(r, false);
	CHECK(!r->realtime, "set_realtime");
	hilt_replay_config_free(r);
	/* A log not named .log gets .timing appended. */
	CHECK(hilt_replay_config_new("capture", NULL, false, &r) == 0, "new");
	CHECK(r && strcmp(r->timing, "capture.timing") == 0, "%s", r ? r->timing : "");
	hilt_replay_config_free(r);
	return 0;
}

static int test_kind_names(void)
{
	char buf[64], small[8];

	hilt_target_kind_names(buf, sizeof(buf));
	CHECK(strcmp(buf, "qemu, replay, board") == 0, "%s", buf);
	hilt_target_kind_names(small, sizeof(small));
	CHECK(strcmp(small, "qemu, r") == 0, "cut: %s", small);
	for (const char *k = buf; *k; k += strcspn(k, ","), k += *k ? 2 : 0) {
		char kind[16];

		snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(k, ","), k);
		const struct hilt_target_ops *ops = hilt_target_kind_find(kind);

		CHECK(ops && ops->parse && ops->free_config, "kind %s cannot read its farm element",
		      kind);
	}
	return 0;
}

/* A --target word, through the registry: the kind that takes it makes
 * the target, with what the command line says of such targets. */
static int test_spec(void)
{
	const struct hilt_target_spec_opts realtime = { .realtime = true };
	struct hilt_target_config cfg;
	char forms[64], small[5], err[256];

	CHECK(hilt_target_spec_kind("replay:a.log") == &hilt_replay_ops, "replay: not claimed");
	CHECK(!hilt_target_spec_kind("default") && !hilt_target_spec_kind("replay"),
	      "a farm target's name claimed");
	hilt_target_spec_forms(forms, sizeof(forms), false);
	CHECK(strcmp(forms, "replay:LOG") == 0, "%s", forms);
	hilt_target_spec_forms(forms, sizeof(forms), true);
	CHECK(strcmp(forms, "replay:LOG") == 0, "recorded: %s", forms);
	hilt_target_spec_forms(small, sizeof(small), false);
	CHECK(strcmp(small, "repl") == 0, "cut: %s", small);
	int rc = hilt_target_from_spec("replay:/var/log/boot.log", &realtime, &cfg, err,
				       sizeof(err));

	CHECK(rc == 0, "%s", err);
	if (rc == 0) {
		const struct hilt_replay_config *r = cfg.priv;

		CHECK(strcmp(cfg.name, "replay:boot") == 0 && cfg.ops == &hilt_replay_ops &&
		      cfg.named_only && r->realtime && strcmp(r->timing, "/var/log/boot.timing") == 0,
		      "%s %s", cfg.name, r->timing);
		hilt_target_config_clear(&cfg);
		CHECK(!cfg.name && !cfg.priv && !cfg.ops, "not cleared");
	}
	rc = hilt_target_from_spec("qemu:x", NULL, &cfg, err, sizeof(err));
	CHECK(rc == -ENOENT && !cfg.name && !cfg.priv, "rc %d", rc);
	return 0;
}

/* ${NAME}s in a farm's paths: hilt run --path-var's values put in, a
 * name without one kept as written, none put in without values. */
static int test_path_vars(void)
{
	char dir[] = "/tmp/hilt-test-farm-XXXXXX", path[256], want[512], err[HILT_CONFIG_ERR_MAX];
	const char *names[] = { "build", "run" }, *values[] = { "/nightly/42", "2" };
	const struct hilt_template_vars vars = { names, values, 2 };
	struct hilt_farm *farm = NULL;
	FILE *f;

	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/farm.xml", dir);
	f = fopen(path, "w");
	CHECK(f, "%s", path);
	if (!f)
		return 0;
	fputs("<farm><target name=\"a\" kind=\"replay\"><log>${build}/c-${run}.log</log></target>"
	      "<target name=\"b\" kind=\"replay\"><log>rel/${other}.log</log></target></farm>\n", f);
	fclose(f);
	int rc = hilt_farm_load_vars(path, &vars, &farm, err, sizeof(err));

	CHECK(rc == 0, "%s", err);
	if (!rc) {
		const struct hilt_replay_config *a = hilt_farm_find(farm, "a")->priv,
						*b = hilt_farm_find(farm, "b")->priv;

		CHECK(!strcmp(a->log, "/nightly/42/c-2.log") && !strcmp(a->timing, "/nightly/42/c-2.timing"),
		      "%s %s", a->log, a->timing);
		snprintf(want, sizeof(want), "%s/rel/${other}.log", dir);
		CHECK(!strcmp(b->log, want), "%s", b->log);
		hilt_farm_free(farm);
	}
	rc = hilt_farm_load(path, &farm, err, sizeof(err));
	CHECK(rc == 0, "%s", err);
	if (!rc) {
		snprintf(want, sizeof(want), "%s/${build}/c-${run}.log", dir);
		CHECK(!strcmp(((const struct hilt_replay_config *)hilt_farm_find(farm, "a")->priv)->log,
			      want), "without values: %s",
		      ((const struct hilt_replay_config *)hilt_farm_find(farm, "a")->priv)->log);
		hilt_farm_free(farm);
	}
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "generic fields and each kind's own", test_generic_fields },
		{ "built-in target and a command-line replay", test_default },
		{ "replay config constructor", test_replay_config },
		{ "kind names", test_kind_names },
		{ "targets of --target words", test_spec },
		{ "${NAME}s in a farm's paths", test_path_vars },
	};

	return check_run_all(tests, sizeof(tests) / sizeof(*tests));
}
