/*
 * ctl_render: occtl's formatting helpers (time.c print_time_ival7,
 * occtl.c bytes2human, print.c line printers) and the defensive accessors
 * shared by ctl_render_users.c and ctl_render_misc.c.
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "ctl_render_int.h"

void
ctl_ival7(char out[16], long long t)
{
	char tmp[64];
	if (t < 0)
		snprintf(tmp, sizeof(tmp), "   ?   ");
	else if (t >= 48 * 60 * 60)
		snprintf(tmp, sizeof(tmp), "%2llddays", t / (24 * 60 * 60));
	else if (t >= 60 * 60)
		snprintf(tmp, sizeof(tmp), "%2lldh:%02lldm", t / (60 * 60), (t / 60) % 60);
	else if (t > 60)
		snprintf(tmp, sizeof(tmp), "%2lldm:%02llds", t / 60, t % 60);
	else
		snprintf(tmp, sizeof(tmp), "%5llds", t);
	size_t n = strlen(tmp);
	if (n > 15)
		n = 15;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

void
ctl_human_bytes(char *out, size_t cap, uint64_t bytes, bool rate)
{
	const char *sfx = rate ? "/s" : "";
	if (!out || !cap)
		return;
	if (bytes > 1000 && bytes < 1000 * 1000)
		snprintf(out, cap, "%.1f kB%s", (double)bytes / 1000, sfx);
	else if (bytes >= 1000 * 1000 && bytes < 1000 * 1000 * 1000)
		snprintf(out, cap, "%.1f MB%s", (double)bytes / (1000 * 1000), sfx);
	else if (bytes >= 1000 * 1000 * 1000)
		snprintf(out, cap, "%.1f GB%s", (double)bytes / (1000 * 1000 * 1000), sfx);
	else
		snprintf(out, cap, "%" PRIu64 " bytes%s", bytes, sfx);
}

void
ctl_date(char out[32], time_t t)
{
	struct tm tm;
	out[0] = '\0';
	if (!localtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M", &tm))
		out[0] = '\0';
}

/* ---- accessors ---- */

const char *
ctl_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

long long
ctl_int(json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool
ctl_has_int(json_t *o, const char *key)
{
	return json_is_integer(json_object_get(o, key));
}

bool
ctl_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

long long
ctl_sub(long long a, long long b)
{
	long long r;
	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? LLONG_MAX : LLONG_MIN;
	return r;
}

void
ctl_since(char out[16], json_t *o, const char *key, time_t now)
{
	if (ctl_has_int(o, key))
		ctl_ival7(out, ctl_sub((long long)now, ctl_int(o, key, 0)));
	else
		ctl_ival7(out, -1);
}

/* ---- text lines ---- */

void
ctl_line(FILE *out, const char *name, const char *value)
{
	if (value && value[0])
		fprintf(out, "\t%s: %s\n", name, value);
}

/* occtl prints "   N2: v2" without the leading TAB when v1 is empty; the
 * TAB is kept here so such a line still lines up with the others. */
void
ctl_pair(FILE *out, const char *n1, const char *v1, const char *n2, const char *v2)
{
	bool a = v1 && v1[0], b = v2 && v2[0];
	if (a)
		fprintf(out, "\t%s: %s", n1, v1);
	if (b)
		fprintf(out, "%s%s: %s", a ? "   " : "\t", n2, v2);
	if (a || b)
		fputc('\n', out);
}

size_t
ctl_list(FILE *out, const char *name, json_t *arr)
{
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if (n++ == 0)
			fprintf(out, "\t%s: %s\n", name, s);
		else
			fprintf(out, "\t\t%s\n", s);
	}
	return n;
}

/* ---- JSON setters ---- */

void
ctl_jstr(json_t *o, const char *key, const char *value)
{
	if (value && value[0])
		json_object_set_new(o, key, json_string(value));
}

void
ctl_jint(json_t *o, const char *key, long long v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

json_t *
ctl_jstrings(json_t *arr)
{
	json_t *a = json_array(), *v;
	size_t i;
	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			json_array_append_new(a, json_string(json_string_value(v)));
	return a;
}

void
ctl_jcopy(json_t *o, json_t *in, const char *key, json_type type)
{
	json_t *v = json_object_get(in, key);
	if (v && json_typeof(v) == type)
		json_object_set_new(o, key, json_deep_copy(v));
}
