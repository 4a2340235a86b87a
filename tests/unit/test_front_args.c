/*
 * The front command's parse functions: doctor_parse_args and
 * explain_parse_args, without running a check or printing.
 */
#include <stdlib.h>
#include <string.h>

#include "../../front/front.h"
#include "dnslookup.h"
#include "kdargv.h"
#include "kdtest.h"

static int
doctor(const char *line, struct doctor_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("doctor", line, &argv);

	err->msg[0] = '\0';
	return doctor_parse_args(argc, argv, a, err);
}

static const char *
doctor_refused(const char *line, struct doctor_args *a, struct kd_cli_err *err)
{
	if (doctor(line, a, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

static int
explain(const char *line, struct explain_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("explain", line, &argv), rc;

	err->msg[0] = '\0';
	free(a->codes);
	a->codes = NULL;
	rc = explain_parse_args(argc, argv, a, err);
	return rc;
}

static const char *
explain_refused(const char *line, struct explain_args *a, struct kd_cli_err *err)
{
	if (explain(line, a, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

int
main(void)
{
	struct doctor_args d;
	struct explain_args x = { NULL, 0, false, false };
	struct kd_cli_err err;

	/* doctor: -t is decimal seconds, 0.01 to 60, as dnscheck's. */
	KDT_CHECK(doctor("-d corp.test -H kms1:1689 -t 0.5 -p 1700", &d, &err) == KD_CLI_RUN);
	KDT_CHECK(d.ndomains == 1 && d.nhosts == 1 && d.timeout_ms == 500 && d.port == 1700);
	KDT_CHECK(doctor("", &d, &err) == KD_CLI_RUN && d.port == 1688 && d.timeout_ms == 0);
	KDT_CHECK(doctor("-t 60 -z corp.zone --evidence a.txt -j", &d, &err) == KD_CLI_RUN &&
	    d.timeout_ms == 60000 && d.nevidence == 1 && d.json);
	KDT_CHECK(doctor("--activate --product 2d5a5a60-3040-48bf-beb0-fcd770c20ce0", &d,
	    &err) == KD_CLI_RUN && d.product != NULL);
	KDT_CHECK(doctor("-h --bogus", &d, &err) == KD_CLI_HELP);
	KDT_STREQ(doctor_refused("-t 61", &d, &err),
	    "timeout 61: too large (0.01 to 60 seconds)");
	KDT_STREQ(doctor_refused("-t 1,5", &d, &err),
	    "timeout 1,5: invalid (seconds, such as 0.5 or 2)");
	KDT_STREQ(doctor_refused("-p 0 -H 127.0.0.1", &d, &err), "port 0: too small (1 to 65535)");
	KDT_STREQ(doctor_refused("-z z -s 127.0.0.1", &d, &err), "cannot use --zone and --server");
	KDT_STREQ(doctor_refused("--product x", &d, &err), "--product needs --activate");
	KDT_CHECK(strncmp(doctor_refused("--activate --product Nothing", &d, &err),
	    "product Nothing: not in the product table", 41) == 0);
	KDT_STREQ(doctor_refused("corp.test", &d, &err),
	    "unexpected argument \"corp.test\" (domains go with -d, hosts with -H)");
	KDT_CHECK(strncmp(doctor_refused("-H kms1:0", &d, &err), "host kms1:0: ", 13) == 0);
	KDT_CHECK(strncmp(doctor_refused("-d a..b", &d, &err), "domain a..b: ", 13) == 0);

	/* explain: every accepted code form, read before anything prints. */
	KDT_CHECK(explain("0xC004F074 C004F074 3221549172 -1073418124 1722 0x6BA", &x, &err) ==
	    KD_CLI_RUN && x.ncodes == 6);
	KDT_CHECK(x.ncodes == 6 && x.codes[0] == 0xC004F074 && x.codes[1] == 0xC004F074 &&
	    x.codes[2] == 0xC004F074 && x.codes[3] == 0xC004F074 && x.codes[4] == 1722 &&
	    x.codes[5] == 0x6BA);
	KDT_CHECK(explain("0x6BA --json", &x, &err) == KD_CLI_RUN && x.json && x.ncodes == 1);
	KDT_CHECK(explain("-l", &x, &err) == KD_CLI_RUN && x.list && x.codes == NULL);
	KDT_STREQ(explain_refused("0xZZ", &x, &err), "0xZZ: not an error code (0xC004F074, "
	    "C004F074, 3221549172, -1073418124, or a Win32 number such as 1722 or 0x6BA)");
	KDT_CHECK(strncmp(explain_refused("4294967296", &x, &err),
	    "4294967296: out of range for an error code", 42) == 0);
	KDT_STREQ(explain_refused("", &x, &err), "no code given");
	KDT_STREQ(explain_refused("-l 0x6BA", &x, &err), "--list takes no code");
	KDT_STREQ(explain_refused("-x", &x, &err), "invalid option -- 'x'");
	free(x.codes);
	return KDT_DONE("test_front_args");
}
