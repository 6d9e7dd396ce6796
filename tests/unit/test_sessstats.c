/* dpvpnd's session statistics for `show status` (controlplane/sessstats.c). */
#include <stdint.h>

#include "harness.h"
#include "sessstats.h"

/* Every reason text dpvpnd logs lands in the kind (and occtl reason) it means. */
static void
test_kinds(void)
{
	static const struct {
		const char *why;
		enum cp_close_kind kind;
		const char *occtl;
	} cases[] = {
		{ "explicit-exit-notify", CP_CLOSE_USER, "user disconnected" },
		{ "exit", CP_CLOSE_USER, "user disconnected" },
		{ "ping-restart timeout", CP_CLOSE_IDLE, "DPD timeout" },
		{ "TLS handshake did not finish within hand-window", CP_CLOSE_TIMEOUT,
			"session timeout" },
		{ "authentication failed", CP_CLOSE_AUTH, "unspecified error" },
		{ "killed by the management interface", CP_CLOSE_SERVER, "server disconnected" },
		{ "killed by the management interface (client-kill)", CP_CLOSE_SERVER,
			"server disconnected" },
		{ "restarted (SIGUSR1)", CP_CLOSE_SERVER, "server disconnected" },
		{ "client restarted", CP_CLOSE_SERVER, "server disconnected" },
		{ "dataplane restarted (no control state)", CP_CLOSE_SERVER,
			"server disconnected" },
		{ "same common name connected again (no duplicate-cn)", CP_CLOSE_SERVER,
			"server disconnected" },
		{ "TLS handshake failed", CP_CLOSE_ERROR, "unspecified error" },
		{ "cannot install the renegotiated key", CP_CLOSE_ERROR, "unspecified error" },
		{ "bad key-method-2 exchange", CP_CLOSE_ERROR, "unspecified error" },
		{ "control message too long", CP_CLOSE_ERROR, "unspecified error" },
		{ "out of memory", CP_CLOSE_ERROR, "unspecified error" },
		{ "control packet for a session without control state", CP_CLOSE_OTHER,
			"unspecified" },
		{ "", CP_CLOSE_OTHER, "unspecified" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(cp_close_kind(cases[i].why), cases[i].kind);
		CHECK_STR(cp_close_kind_occtl(cp_close_kind(cases[i].why)), cases[i].occtl);
	}
	CHECK_EQ(cp_close_kind(NULL), CP_CLOSE_OTHER);
}

static void
test_counts(void)
{
	struct cp_sess_stats st = { 0 };
	CHECK_EQ(cp_sess_stats_avg_auth_s(&st), 0);	/* nothing yet: 0, no division */
	CHECK_EQ(cp_sess_stats_avg_session_s(&st), 0);
	cp_sess_stats_closed(&st, CP_CLOSE_TIMEOUT, false, 60);
	cp_sess_stats_closed(&st, CP_CLOSE_IDLE, true, 100);
	cp_sess_stats_closed(&st, CP_CLOSE_IDLE, true, 201);
	cp_sess_stats_closed(&st, CP_CLOSE_ERROR, false, 3);
	cp_sess_stats_closed(&st, CP_CLOSE_AUTH, false, 1);	/* counted apart, not an error */
	cp_sess_stats_closed(&st, CP_CLOSE_USER, true, 30);
	CHECK_EQ(st.timed_out, 1);
	CHECK_EQ(st.idle_timed_out, 2);
	CHECK_EQ(st.errors, 1);
	/* session times: only the three that had authenticated */
	CHECK_EQ(st.sessions, 3);
	CHECK_EQ(st.session_s_max, 201);
	CHECK_EQ(cp_sess_stats_avg_session_s(&st), 110);	/* 331 / 3 = 110.3 */
	cp_sess_stats_closed(&st, CP_CLOSE_OTHER, true, 1);
	CHECK_EQ(cp_sess_stats_avg_session_s(&st), 83);		/* 332 / 4 = 83.0 */
	cp_sess_stats_closed(&st, CP_CLOSE_OTHER, true, 2);
	CHECK_EQ(cp_sess_stats_avg_session_s(&st), 67);		/* 334 / 5 = 66.8: rounded */
}

static void
test_auth_times(void)
{
	struct cp_sess_stats st = { 0 };
	cp_sess_stats_auth(&st, 120);
	CHECK_EQ(cp_sess_stats_avg_auth_s(&st), 0);
	CHECK_EQ(cp_sess_stats_max_auth_s(&st), 0);
	cp_sess_stats_auth(&st, 6400);
	CHECK_EQ(st.auth_ms_max, 6400);
	CHECK_EQ(cp_sess_stats_max_auth_s(&st), 6);
	CHECK_EQ(cp_sess_stats_avg_auth_s(&st), 3);	/* 3260 ms */
	cp_sess_stats_auth(&st, 3980);
	CHECK_EQ(cp_sess_stats_avg_auth_s(&st), 4);	/* 3500 ms: halves go up */
	CHECK_EQ(cp_sess_stats_max_auth_s(&st), 6);
	/* totals saturate rather than wrap */
	cp_sess_stats_auth(&st, UINT64_MAX);
	CHECK(st.auth_ms_total == UINT64_MAX);
	CHECK(cp_sess_stats_max_auth_s(&st) > 0);
}

int
main(void)
{
	test_kinds();
	test_counts();
	test_auth_times();
	return harness_done("sessstats");
}
