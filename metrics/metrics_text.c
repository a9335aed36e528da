/* metrics/metrics_text.c - the Prometheus text exposition format: families, samples, histograms, label escaping. */
/* SPDX-License-Identifier: ISC */
#include "metrics/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* HELP text escapes backslash and newline only (exposition format 0.0.4). */
static void
metrics_help_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	metrics_help_put(f, help);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void
metrics_name_put(FILE *f, const char *name, const char *labels)
{
	if (labels && labels[0])
		fprintf(f, "%s{%s} ", name, labels);
	else
		fprintf(f, "%s ", name);
}

void
metrics_sample(FILE *f, const char *name, const char *labels, double v)
{
	metrics_name_put(f, name, labels);
	if (isnan(v))
		fputs("NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", f);
	else
		fprintf(f, "%.9g\n", v);
}

void
metrics_sample_u64(FILE *f, const char *name, const char *labels, uint64_t v)
{
	metrics_name_put(f, name, labels);
	fprintf(f, "%llu\n", (unsigned long long)v);
}

void
metrics_histo(FILE *f, const char *name, const char *labels, const struct histo *h)
{
	const char *sep = labels && labels[0] ? "," : "";

	for (size_t i = 0; i < h->n; i++)
		fprintf(f, "%s_bucket{%s%sle=\"%.6g\"} %llu\n", name, labels ? labels : "", sep,
		    (double)h->bounds[i] / 1e6, (unsigned long long)histo_cumulative(h, i));
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels ? labels : "", sep,
	    (unsigned long long)h->count);
	if (labels && labels[0]) {
		fprintf(f, "%s_sum{%s} %.6f\n", name, labels, (double)h->sum_us / 1e6);
		fprintf(f, "%s_count{%s} %llu\n", name, labels, (unsigned long long)h->count);
	} else {
		fprintf(f, "%s_sum %.6f\n", name, (double)h->sum_us / 1e6);
		fprintf(f, "%s_count %llu\n", name, (unsigned long long)h->count);
	}
}

/* Append s to buf at *off, escaped for a label value; false when full. */
static bool
metrics_label_put(char *buf, size_t len, size_t *off, const char *s, bool escape)
{
	for (; *s; s++) {
		const char *e = NULL;
		size_t	    n;

		if (escape && *s == '\\')
			e = "\\\\";
		else if (escape && *s == '"')
			e = "\\\"";
		else if (escape && *s == '\n')
			e = "\\n";
		n = e ? strlen(e) : 1;
		if (*off + n >= len)
			return false;
		if (e)
			memcpy(buf + *off, e, n);
		else
			buf[*off] = *s;
		*off += n;
	}
	buf[*off] = '\0';
	return true;
}

char *
metrics_labels(char *buf, size_t len, ...)
{
	va_list	    ap;
	const char *k, *v;
	size_t	    off = 0;
	bool	    first = true;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	va_start(ap, len);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *))) {
		size_t mark = off;

		if (!metrics_label_put(buf, len, &off, first ? "" : ",", false) ||
		    !metrics_label_put(buf, len, &off, k, false) ||
		    !metrics_label_put(buf, len, &off, "=\"", false) ||
		    !metrics_label_put(buf, len, &off, v, true) ||
		    !metrics_label_put(buf, len, &off, "\"", false)) {
			buf[mark] = '\0'; /* a pair fits whole or not at all */
			break;
		}
		first = false;
	}
	va_end(ap);
	return buf;
}
