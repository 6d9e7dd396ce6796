/* ctl_render's shared internals: defensive accessors for dpvpnd's records
 * and occtl's line printers (print.c print_single_value / print_pair_value). */
#ifndef DPVPN_CTL_RENDER_INT_H
#define DPVPN_CTL_RENDER_INT_H

#include "ctl_render.h"

#define CTL_NONE "(none)"	/* occtl's NO_USER / NO_GROUP */

/* Field accessors: "" / dflt / false when o is not an object, the key is
 * missing or has the wrong type. */
const char *ctl_str(json_t *o, const char *key);
long long ctl_int(json_t *o, const char *key, long long dflt);
bool ctl_has_int(json_t *o, const char *key);
bool ctl_bool(json_t *o, const char *key);	/* true, or a non-zero integer */

/* a - b, saturated (dpvpnd's times are trusted for nothing, not even range). */
long long ctl_sub(long long a, long long b);
/* ival7 of now - o[key]; "   ?   " when o[key] is missing. */
void ctl_since(char out[16], json_t *o, const char *key, time_t now);

/* Text lines: "\tName: value\n", omitted when value is empty; the pair
 * form "\tN1: v1   N2: v2\n" drops an empty half (and the line when both are). */
void ctl_line(FILE *out, const char *name, const char *value);
void ctl_pair(FILE *out, const char *n1, const char *v1, const char *n2, const char *v2);
/* occtl list lines: "\tName: first\n" then "\t\tnext\n"; returns the count. */
size_t ctl_list(FILE *out, const char *name, json_t *arr);

/* JSON setters: ctl_jstr skips empty values (occtl omits them). */
void ctl_jstr(json_t *o, const char *key, const char *value);
void ctl_jint(json_t *o, const char *key, long long v);
/* A new array holding the string elements of arr (others skipped). */
json_t *ctl_jstrings(json_t *arr);
/* Copies in[key] into o under key when it has json type `type`. */
void ctl_jcopy(json_t *o, json_t *in, const char *key, json_type type);

#endif
