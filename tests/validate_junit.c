/* Validates JUnit files against tests/junit-hilt.xsd with libxml2 and
 * checks what a schema cannot: the counts match the test cases.
 * usage: validate_junit SCHEMA FILE...  (exit 0 when all are valid) */
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long attr_long(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	long r = v ? strtol((const char *)v, NULL, 10) : -1;

	xmlFree(v);
	return r;
}

static int check_counts(const char *path, xmlNode *suite)
{
	long tests = 0, failures = 0, errors = 0, skipped = 0;

	for (xmlNode *c = suite->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "testcase"))
			continue;
		tests++;
		for (xmlNode *v = c->children; v; v = v->next) {
			if (v->type != XML_ELEMENT_NODE)
				continue;
			failures += !strcmp((const char *)v->name, "failure");
			errors += !strcmp((const char *)v->name, "error");
			skipped += !strcmp((const char *)v->name, "skipped");
		}
	}
	if (tests != attr_long(suite, "tests") || failures != attr_long(suite, "failures") ||
	    errors != attr_long(suite, "errors") || skipped != attr_long(suite, "skipped")) {
		fprintf(stderr, "%s:%ld: counts do not match the test cases\n", path,
			xmlGetLineNo(suite));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: validate_junit SCHEMA FILE...\n");
		return 2;
	}
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(argv[1]);
	xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;

	if (!schema) {
		fprintf(stderr, "cannot load schema %s\n", argv[1]);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		xmlDocPtr doc = xmlReadFile(argv[i], NULL, XML_PARSE_NONET);
		xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);

		if (!doc || xmlSchemaValidateDoc(vctx, doc) != 0) {
			fprintf(stderr, "%s: INVALID\n", argv[i]);
			bad++;
		} else {
			xmlNode *root = xmlDocGetRootElement(doc);
			long t = 0, f = 0, e = 0;
			int bad_before = bad;

			for (xmlNode *c = root->children; c; c = c->next) {
				if (c->type != XML_ELEMENT_NODE)
					continue;
				if (check_counts(argv[i], c))
					bad++;
				t += attr_long(c, "tests");
				f += attr_long(c, "failures");
				e += attr_long(c, "errors");
			}
			if (t != attr_long(root, "tests") || f != attr_long(root, "failures") ||
			    e != attr_long(root, "errors")) {
				fprintf(stderr, "%s: <testsuites> counts are not the sums\n", argv[i]);
				bad++;
			} else if (bad == bad_before) {
				printf("%s: valid\n", argv[i]);
			}
		}
		xmlSchemaFreeValidCtxt(vctx);
		xmlFreeDoc(doc);
	}
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	xmlCleanupParser();
	return bad ? 1 : 0;
}
