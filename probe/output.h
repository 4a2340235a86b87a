/*
 * Renderings of a finished probe run that only kmsdiag-probe uses: the
 * text table and the monitoring-plugins line (JSON is the shared emitter).
 */
#ifndef KD_PROBE_OUTPUT_H
#define KD_PROBE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "probe.h"

int	probe_emit_table(FILE *, const struct probe *, bool color);
/* Prints "KMS STATE - summary|perfdata"; returns the Nagios exit status. */
int	probe_emit_nagios(FILE *, const struct probe *, const struct kd_report *);

#endif
