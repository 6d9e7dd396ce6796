/*
 * The dataplanes' own counters for `dpvpnctl show stats`: a COUNTERS_REQ to
 * each synced dataplane, its COUNTERS groups gathered into one JSON object
 * per dataplane ({"stats", "drops", "ports", "lcores"}), kept until the next
 * request. Counter names come from the dataplane, so a newer dataplane's
 * counters show up without a change here.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "admin.h"
#include "ctl.h"
#include "dplink.h"
#include "ipc_counters.h"
#include "log.h"
#include "server.h"

static json_t *gathered[DPLINK_MAX_DP];	/* per dataplane, from the last request */
static bool complete[DPLINK_MAX_DP];	/* its last group arrived */
static uint32_t cookie;			/* of the request out: later ones are stale */

unsigned
cp_dp_counters_request(struct cp_server *s)
{
	struct ipc_msg m = { .type = IPC_COUNTERS_REQ };
	unsigned n = 0;
	m.u.counters_req.cookie = ++cookie;
	for (unsigned dp = 0; dp < dplink_count(s->dl) && dp < DPLINK_MAX_DP; dp++) {
		json_decref(gathered[dp]);
		gathered[dp] = NULL;
		complete[dp] = false;
		if (!s->dp_synced[dp] || dplink_send(s->dl, dp, &m) != 0)
			continue;
		gathered[dp] = json_pack("{s:{}, s:{}, s:[], s:{}}", "stats", "drops", "ports",
			"lcores");
		n++;
	}
	return n;
}

/* The object a group's counters go into, made on first use. */
static json_t *
group_target(json_t *dp, const struct ipc_counters *c)
{
	if (!strcmp(c->kind, "stats") || !strcmp(c->kind, "drops"))
		return json_object_get(dp, c->kind);
	if (!strcmp(c->kind, "lcore")) {
		char id[16];
		json_t *lcores = json_object_get(dp, "lcores");
		snprintf(id, sizeof(id), "%u", c->index);
		json_t *o = json_object_get(lcores, id);
		if (!o) {
			o = json_pack("{s:s}", "role", c->role);
			json_object_set_new(lcores, id, o);
		}
		return o;
	}
	if (!strcmp(c->kind, "port")) {
		json_t *ports = json_object_get(dp, "ports"), *p;
		size_t i;
		json_array_foreach(ports, i, p)
			if (json_integer_value(json_object_get(p, "port")) == c->index)
				return p;
		p = json_pack("{s:I, s:s, s:s}", "port", (json_int_t)c->index, "name", c->name,
			"role", c->role);
		json_array_append_new(ports, p);
		return p;
	}
	return NULL;	/* a kind this dpvpnd does not know: left out */
}

static void
set_counter(void *arg, const char *name, uint64_t v)
{
	json_object_set_new(arg, name, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
}

void
cp_dp_counters_on_msg(struct cp_server *s, unsigned dp, const struct ipc_counters *c)
{
	if (dp >= DPLINK_MAX_DP || c->cookie != cookie || !gathered[dp] || complete[dp])
		return;	/* a late answer to an earlier request */
	json_t *target = group_target(gathered[dp], c);
	if (target && ipc_counters_each(c, set_counter, target) < 0)
		log_warnx("dataplane %u: COUNTERS %s %u: names and values do not match, ignored",
			dp, c->kind, c->index);
	if (c->last) {
		complete[dp] = true;
		cp_counters_wait_done(s, dp);
	}
}

/* One port's link from its counters: booleans for the 0/1 ones; the speed
 * only when the dataplane sent it (its driver knew it). */
static json_t *
link_record(json_t *port)
{
	json_t *l = json_pack("{s:O, s:O, s:O, s:b}", "port", json_object_get(port, "port"),
		"name", json_object_get(port, "name"), "role", json_object_get(port, "role"),
		"link_up", json_integer_value(json_object_get(port, "link_up")) != 0);
	json_t *speed = json_object_get(port, "link_speed_mbps");
	if (speed)
		json_object_set(l, "link_speed_mbps", speed);
	json_t *fd = json_object_get(port, "link_full_duplex");
	if (fd)
		json_object_set_new(l, "link_full_duplex", json_boolean(json_integer_value(fd)));
	return l;
}

json_t *
cp_ctl_links_record(const struct cp_server *s, unsigned dp)
{
	json_t *a = json_array(), *port;
	size_t i;
	(void)s;
	if (dp >= DPLINK_MAX_DP || !gathered[dp])
		return a;
	json_array_foreach(json_object_get(gathered[dp], "ports"), i, port)
		if (json_object_get(port, "link_up"))	/* an older dataplane does not say */
			json_array_append_new(a, link_record(port));
	return a;
}

json_t *
cp_ctl_stats_record(const struct cp_server *s)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < dplink_count(s->dl) && i < DPLINK_MAX_DP; i++) {
		const struct dplink_dp *d = dplink_get(s->dl, i);
		json_t *r = json_pack("{s:i, s:s, s:b, s:b}", "index", (int)i, "name", d->name,
			"connected", d->up, "complete", complete[i]);
		if (gathered[i])
			json_object_update(r, gathered[i]);	/* shares the groups: read only */
		json_array_append_new(a, r);
	}
	return a;
}
