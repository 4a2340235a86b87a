/*
 * Monitoring-plugins ranges, threshold evaluation and perfdata formatting.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kdtest.h"
#include "nagios.h"

static int
alerts(const char *range, double v)
{
	struct kd_range r;
	const char *err = NULL;

	if (!kd_range_parse(range, &r, &err))
		return -1;
	return kd_range_alert(&r, v) ? 1 : 0;
}

static void
test_ranges(void)
{
	/* "10": outside 0..10 */
	KDT_CHECK(alerts("10", -1) == 1);
	KDT_CHECK(alerts("10", 0) == 0);
	KDT_CHECK(alerts("10", 10) == 0);
	KDT_CHECK(alerts("10", 10.5) == 1);
	/* "10:": below 10 */
	KDT_CHECK(alerts("10:", 9.99) == 1);
	KDT_CHECK(alerts("10:", 10) == 0);
	KDT_CHECK(alerts("10:", 1e9) == 0);
	/* "~:10": above 10 */
	KDT_CHECK(alerts("~:10", -1e9) == 0);
	KDT_CHECK(alerts("~:10", 10) == 0);
	KDT_CHECK(alerts("~:10", 11) == 1);
	/* "10:20": outside */
	KDT_CHECK(alerts("10:20", 9) == 1);
	KDT_CHECK(alerts("10:20", 10) == 0);
	KDT_CHECK(alerts("10:20", 20) == 0);
	KDT_CHECK(alerts("10:20", 21) == 1);
	/* "@10:20": inside, inclusive */
	KDT_CHECK(alerts("@10:20", 9) == 0);
	KDT_CHECK(alerts("@10:20", 10) == 1);
	KDT_CHECK(alerts("@10:20", 15) == 1);
	KDT_CHECK(alerts("@10:20", 20) == 1);
	KDT_CHECK(alerts("@10:20", 20.01) == 0);
	/* "@10": inside 0..10 */
	KDT_CHECK(alerts("@10", 5) == 1);
	KDT_CHECK(alerts("@10", 11) == 0);
	/* decimals and negatives */
	KDT_CHECK(alerts("0.5", 0.6) == 1);
	KDT_CHECK(alerts("-5:-1", -3) == 0);
	KDT_CHECK(alerts("-5:-1", 0) == 1);
	KDT_CHECK(alerts("~:", 123) == 0);
	/* the threshold examples of the issue */
	KDT_CHECK(alerts("25:", 24) == 1);
	KDT_CHECK(alerts("5:", 5) == 0);
}

static void
test_invalid(void)
{
	struct kd_range r;
	const char *err = NULL;

	KDT_CHECK(!kd_range_parse("", &r, &err) && err != NULL);
	KDT_CHECK(!kd_range_parse("abc", &r, &err));
	KDT_CHECK(!kd_range_parse("20:10", &r, &err));
	KDT_STREQ(err, "start of range is greater than end");
	KDT_CHECK(!kd_range_parse("1:2:3", &r, &err));
	KDT_CHECK(!kd_range_parse("10x", &r, &err));
	KDT_CHECK(!kd_range_parse("inf", &r, &err));
	KDT_CHECK(!kd_range_parse("nan:", &r, &err));
	KDT_CHECK(!kd_range_parse("0x10", &r, &err));
	KDT_CHECK(!kd_range_parse("@", &r, &err));
	KDT_CHECK(!kd_range_parse("-1", &r, &err));	/* 0..-1 */
	KDT_CHECK(!kd_range_parse("~", &r, &err));
	KDT_CHECK(!kd_range_parse("1e999", &r, &err));
	KDT_CHECK(!kd_range_parse(
	    "1111111111111111111111111111111111111111111111111111", &r, &err));
}

static void
test_thresholds(void)
{
	struct kd_thresholds t;
	const char *err = NULL;

	KDT_CHECK(kd_thresholds_set(&t, "1", "2", &err));
	KDT_CHECK(kd_thresholds_eval(&t, 0.5) == KD_V_OK);
	KDT_CHECK(kd_thresholds_eval(&t, 1.5) == KD_V_WARN);
	KDT_CHECK(kd_thresholds_eval(&t, 2.5) == KD_V_FAIL);
	KDT_CHECK(kd_thresholds_set(&t, "25:", "5:", &err));
	KDT_CHECK(kd_thresholds_eval(&t, 30) == KD_V_OK);
	KDT_CHECK(kd_thresholds_eval(&t, 10) == KD_V_WARN);
	KDT_CHECK(kd_thresholds_eval(&t, 4) == KD_V_FAIL);
	KDT_CHECK(kd_thresholds_set(&t, NULL, NULL, &err));
	KDT_CHECK(kd_thresholds_eval(&t, 1e9) == KD_V_OK);
	KDT_CHECK(!kd_thresholds_set(&t, "1", "x", &err));
}

static void
test_perfdata(void)
{
	struct kd_thresholds t;
	char buf[256] = "", num[32], small[16] = "";
	const char *err;
	double zero = 0, max = 3;

	kd_perfdata_num(num, sizeof(num), 0.001234);
	KDT_STREQ(num, "0.001234");
	kd_perfdata_num(num, sizeof(num), 3);
	KDT_STREQ(num, "3");
	kd_perfdata_num(num, sizeof(num), 2.5);
	KDT_STREQ(num, "2.5");
	kd_perfdata_num(num, sizeof(num), NAN);
	KDT_STREQ(num, "U");

	KDT_CHECK(kd_thresholds_set(&t, "1", "2", &err));
	KDT_CHECK(kd_perfdata_append(buf, sizeof(buf), "time", 0.0125, "s", &t,
	    &zero, &max));
	KDT_STREQ(buf, "time=0.0125s;1;2;0;3");
	KDT_CHECK(kd_perfdata_append(buf, sizeof(buf), "count", 50, NULL, NULL,
	    &zero, NULL));
	KDT_STREQ(buf, "time=0.0125s;1;2;0;3 count=50;;;0");
	buf[0] = '\0';
	KDT_CHECK(kd_perfdata_append(buf, sizeof(buf), "kms host's time", 1, "s",
	    NULL, NULL, NULL));
	KDT_STREQ(buf, "'kms host''s time'=1s");
	buf[0] = '\0';
	KDT_CHECK(kd_perfdata_append(buf, sizeof(buf), "a|b", 1, NULL, NULL, NULL,
	    NULL));
	KDT_STREQ(buf, "a_b=1");
	KDT_CHECK(!kd_perfdata_append(small, sizeof(small), "a-long-label", 1234567,
	    NULL, NULL, NULL, NULL));
	KDT_STREQ(small, "");
}

int
main(void)
{
	test_ranges();
	test_invalid();
	test_thresholds();
	test_perfdata();
	return KDT_DONE("test_nagios");
}
