/* Unit tests of core/demangle.c: C++ variables' mangled names (the
 * symbols that name a program's locks) read back as the source spells
 * them, and the forms it leaves alone. */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "demangle.h"

/* C++ variables' mangled names read back as the source spells them. */
static void test_demangle(void)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "_ZN4bank11ledger_lockE", "bank::ledger_lock" },
		{ "_ZN7Mailbox5readyE", "Mailbox::ready" },
		{ "_ZNSt3foo3barE", "std::foo::bar" },
		{ "_ZL10work_queue", "work_queue" },
		{ "_ZN12_GLOBAL__N_14gateE", "(anonymous namespace)::gate" },
		{ "_ZN6rmutex7COUNTER17h59662841d0ddaca2E", "rmutex::COUNTER" }, /* Rust: its hash left out */
		{ "_ZN6rmutex7COUNTER18h59662841d0ddaca2xE", "rmutex::COUNTER::h59662841d0ddaca2x" },
		{ "_ZN17h59662841d0ddaca2E", "h59662841d0ddaca2" },
		{ "_ZZ4mainE5count", "main::count" }, /* a function's local static */
		{ "_ZZNSt8__detail18__waiter_pool_base6_S_forEPKvE3__w", "std::__detail::__waiter_pool_base::_S_for::__w" },
		{ "_ZZ6workerPvE1m", "worker::m" },
		{ "_ZZ4mainE7TABLE1x", "main::TABLE1x" }, /* (a name holding E<digits>: not main::x) */
		{ "_ZZN1a1fEN1b1cEE1x", "a::f::x" },       /* (a parameter's nested name) */
	};
	static const char *const left[] = {
		"count_lock", "_Z", "_ZN", "_ZN3abcE1", "_ZN99abcE", "_Z4mainv", "_ZZ4mainE5count_0", "_ZZ4main", "_ZZE1x", "_ZZZ4mainE1xE1y",
		"_ZN5StackIiE4headE", "_ZN0E",
	};
	char buf[64];
	bool all = true;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!demangle_variable(ok[i].in, buf, sizeof(buf)) || strcmp(buf, ok[i].out)) {
			all = false;
			printf("  %s: not %s\n", ok[i].in, ok[i].out);
		}
	CHECK(all, "demangle: namespaces, classes, std, file statics and a function's local statics "
	      "(function::name) read back as in the source; a Rust name without its hash (h and 16 hex digits), "
	      "and only that");
	strcpy(buf, "kept");
	for (i = 0, all = true; i < sizeof(left) / sizeof(left[0]); i++)
		if (demangle_variable(left[i], buf, sizeof(buf)) || strcmp(buf, "kept")) {
			all = false;
			printf("  %s: read as %s\n", left[i], buf);
		}
	CHECK(all, "demangle: C names, cut or odd forms, functions, templates and a local static with a "
	      "discriminator are left alone");
	CHECK(!demangle_variable("_ZN4bank11ledger_lockE", buf, 8) && !strcmp(buf, "kept"),
	      "demangle: a buffer too small is left alone");
}

/* Runs the demangler tests. */
int main(void)
{
	test_demangle();
	return check_summary();
}
