/*
 * kmsdiag explain CODE...: an activation error code, as slmgr or the event
 * log prints it, to its meaning, the checklist items it points to and the
 * commands to run next (lib/explain.c; the facts are the error table's).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "explain.h"
#include "front.h"
#include "report.h"
#include "tables.h"

#define PROG	"kmsdiag explain"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [-hj] code ...\n"
	    "       " PROG " [-hj] -l\n"
	    "code: 0xC004F074, C004F074, 3221549172, -1073418124, or a Win32 number\n"
	    "      such as 1722 or 0x6BA\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "What an activation error code means, which checklist items it points\n"
	    "to, and the kmsdiag commands to run next.\n"
	    "\n"
	    "  -h, --help   this help\n"
	    "  -j, --json   JSON Lines, one object per code\n"
	    "  -l, --list   list every code in the error table\n"
	    "\n"
	    "CODE, as slmgr, the event log or a ticket quotes it:\n"
	    "  0xC004F074, C004F074   an HRESULT in hex (8 digits without 0x are hex)\n"
	    "  3221549172             the same in decimal\n"
	    "  -1073418124            the negative decimal form some tools print\n"
	    "  1722, 0x6BA, 0x0000071C  a bare Win32 error number (up to 0xFFFF),\n"
	    "                         read as its HRESULT 0x8007xxxx\n"
	    "Exit: 0 every code known, 1 a code is not in the table, 64 usage.\n");
}

static void
print_text(const struct kd_explanation *x)
{
	char code[16];
	size_t i;
	bool by_hand = false, host = false, domain = false, file = false, product = false;

	kd_explain_code_str(x->code, code, sizeof(code));
	if (x->err == NULL) {
		printf("%s: not a known activation error\n", code);
		printf("  code: %s\n", x->structure);
	} else {
		printf("%s  %s\n", code, x->err->name[0] ? x->err->name : "(no symbolic name)");
		printf("  %s\n", x->err->meaning);
		printf("  applies to: %s%s\n", x->err->applies_to,
		    x->err->ms_documented ? "; on Microsoft's activation error page" : "");
		printf("  code: %s\n", x->structure);
	}
	if (x->nitems > 0) {
		printf("\nChecklist (kmsdiag(7)):\n");
		for (i = 0; i < x->nitems; i++) {
			printf("  %u. %s: %s%s\n", x->items[i]->number, x->items[i]->title,
			    x->items[i]->question, i == 0 ? "  <- check first" : "");
			if (x->items[i]->by_hand[0] != '\0')
				by_hand = true;
		}
	} else if (x->err != NULL)
		printf("\nNot a KMS connection problem: no checklist item applies.\n");
	if (x->ncommands > 0) {
		printf("\nNext:\n");
		for (i = 0; i < x->ncommands; i++) {
			printf("  %s\n", x->commands[i]);
			host |= strstr(x->commands[i], "HOST") != NULL;
			domain |= strstr(x->commands[i], "DOMAIN") != NULL;
			file |= strstr(x->commands[i], "FILE") != NULL;
			product |= strstr(x->commands[i], "PRODUCT") != NULL;
		}
		if (host)
			printf("  (HOST: the KMS host, name or address[:port])\n");
		if (domain)
			printf("  (DOMAIN: the client's DNS domain)\n");
		if (file)
			printf("  (FILE: a capture of port 1688, e.g. tcpdump -w FILE tcp port 1688)\n");
		if (product)
			printf("  (PRODUCT: the edition that fails, e.g. \"Windows Server 2022 Datacenter\")\n");
	}
	if (by_hand) {
		printf("\nBy hand:\n");
		for (i = 0; i < x->nitems; i++)
			if (x->items[i]->by_hand[0] != '\0')
				printf("  %u. %s\n", x->items[i]->number, x->items[i]->by_hand);
	}
}

static int
list(bool json)
{
	char code[16];
	size_t i;

	for (i = 0; i < kd_err_count(); i++) {
		const struct kd_errcode *e = kd_err_at(i);

		kd_explain_code_str(e->code, code, sizeof(code));
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:I, s:s?, s:s, s:s}", "type", "error",
			    "code", code, "decimal", (json_int_t)e->code, "name",
			    e->name[0] ? e->name : NULL, "check", e->check,
			    "meaning", e->meaning);

			if (o == NULL)
				return KD_EXIT_UNKNOWN;
			kd_json_line(stdout, o);
			json_decref(o);
		} else
			printf("%s  %-46s %s\n", code, e->name[0] ? e->name : "-", e->check);
	}
	return KD_EXIT_OK;
}

static const struct option longopts[] = {
	{ "help",	no_argument,	NULL, 'h' },
	{ "json",	no_argument,	NULL, 'j' },
	{ "list",	no_argument,	NULL, 'l' },
	{ NULL,		0,		NULL, 0 }
};

#define OPTSTRING	"hjl"

/*
 * "-1073418124" is a code, not an option: getopt sees it without its sign,
 * and the sign is put back on the operands afterwards (getopt permutes
 * argv but keeps the pointers).
 */
static size_t
hide_signs(int argc, char **argv, char **neg, size_t max)
{
	size_t nneg = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (argv[i][0] != '-' || argv[i][1] < '0' || argv[i][1] > '9')
			continue;
		/* More than we track: left to getopt, a usage error. */
		if (nneg < max)
			neg[nneg++] = ++argv[i];
	}
	return nneg;
}

/* Every code is read before anything is printed: a typo prints nothing. */
static bool
read_codes(int argc, char **argv, struct explain_args *a, struct kd_cli_err *err)
{
	const char *errstr;
	int i;

	if (argc == 0)
		return kd_cli_fail(err, "no code given");
	if ((a->codes = calloc((size_t)argc, sizeof(*a->codes))) == NULL)
		return kd_cli_fail(err, "out of memory");
	for (i = 0; i < argc; i++)
		if (!kd_explain_parse(argv[i], &a->codes[i], &errstr))
			return kd_cli_fail(err, "%.100s: %s error code (0xC004F074, C004F074, "
			    "3221549172, -1073418124, or a Win32 number such as 1722 or 0x6BA)",
			    argv[i], strcmp(errstr, "out of range") == 0 ?
			    "out of range for an" : "not an");
	a->ncodes = (size_t)argc;
	return true;
}

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct explain_args *a = ctx;

	(void)arg;
	if (ch == 'j')
		a->json = true;
	else if (ch == 'l')
		a->list = true;
	else
		return kd_cli_fail(err, "option %d: not handled", ch);
	return true;
}

int
explain_parse_args(int argc, char **argv, struct explain_args *a, struct kd_cli_err *err)
{
	char *neg[64];
	size_t k, nneg;
	int rc, i;

	memset(a, 0, sizeof(*a));
	nneg = hide_signs(argc, argv, neg, sizeof(neg) / sizeof(neg[0]));
	rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, a, err);
	for (i = optind; i < argc; i++)
		for (k = 0; k < nneg; k++)
			if (argv[i] == neg[k])
				argv[i]--;
	if (rc != KD_CLI_RUN)
		return rc;
	if (a->list && optind < argc)
		return kd_cli_fail(err, "--list takes no code"), KD_CLI_USAGE;
	if (!a->list && !read_codes(argc - optind, argv + optind, a, err))
		return KD_CLI_USAGE;
	return KD_CLI_RUN;
}

static const struct kd_cli_tool tool = { PROG, help, usage, NULL };

int
explain_main(int argc, char **argv)
{
	struct explain_args a;
	struct kd_explanation x;
	struct kd_cli_err err;
	size_t i;
	int rc;

	if ((rc = kd_cli_answer(explain_parse_args(argc, argv, &a, &err), &tool,
	    false, &err)) >= 0) {
		free(a.codes);
		return rc;
	}
	rc = KD_EXIT_OK;
	if (a.list)
		return list(a.json);
	for (i = 0; i < a.ncodes && rc != KD_EXIT_UNKNOWN; i++) {
		kd_explain(a.codes[i], &x);
		if (x.err == NULL)
			rc = KD_EXIT_WARN;
		if (a.json) {
			json_t *o = kd_explain_json(&x);

			if (o == NULL) {
				rc = KD_EXIT_UNKNOWN;
				break;
			}
			kd_json_line(stdout, o);
			json_decref(o);
		} else {
			if (i > 0)
				printf("\n");
			print_text(&x);
		}
	}
	free(a.codes);
	if (fflush(stdout) != 0)
		return KD_EXIT_UNKNOWN;
	return rc;
}
