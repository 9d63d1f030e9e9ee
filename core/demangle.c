/* C++ variable names back from their mangled form (see demangle.h). */
#include "demangle.h"

#include <string.h>

#define PARTS_MAX 16 /* nested names deeper than this are left mangled */
#define ANON "_GLOBAL__N_1" /* how GCC and Clang name an anonymous namespace */

/* Reads one <source-name> (<length><identifier>) at *s, appending it to
 * out (len bytes, *n used) after a "::" when it is not the first. Returns
 * false when *s holds none, or out is too small. */
static bool source_name(const char **s, char *out, size_t len, size_t *n)
{
	const char *name;
	size_t k = 0, i;

	if (**s < '1' || **s > '9')
		return false;
	while (**s >= '0' && **s <= '9') {
		k = k * 10 + (size_t)(**s - '0');
		if (k > 1024)
			return false;
		(*s)++;
	}
	for (i = 0; i < k; i++)
		if (!(*s)[i])
			return false; /* (the name ends inside the identifier) */
	name = *s;
	*s += k;
	if (k == sizeof(ANON) - 1 && memcmp(name, ANON, k) == 0) { /* the file's anonymous namespace */
		name = "(anonymous namespace)";
		k = strlen(name);
	}
	if (*n + (*n ? 2 : 0) + k + 1 > len)
		return false;
	if (*n) {
		memcpy(out + *n, "::", 2);
		*n += 2;
	}
	memcpy(out + *n, name, k);
	*n += k;
	out[*n] = '\0';
	return true;
}

/* Whether part is the hash rustc's legacy mangling ends a name with: 'h'
 * and 16 hex digits, which the source never spells. */
static bool rust_hash(const char *part)
{
	if (part[0] != 'h' || strlen(part) != 17)
		return false;
	for (int i = 1; i < 17; i++)
		if (!((part[i] >= '0' && part[i] <= '9') || (part[i] >= 'a' && part[i] <= 'f')))
			return false;
	return true;
}

/* Where the name of a function's local static begins in s, the function's
 * parameters and what follows them: just past the first 'E' that only a
 * <source-name> follows to the end (the last one would cut a name that
 * holds "E<digits>" itself: TABLE1x read as x); NULL when there is none. */
static const char *local_entity(const char *s)
{
	for (const char *e = strchr(s, 'E'); e; e = strchr(e + 1, 'E')) {
		const char *p = e + 1;
		char probe[512];
		size_t n = 0;

		if (source_name(&p, probe, sizeof(probe), &n) && !*p)
			return e + 1;
	}
	return NULL;
}

/* The source name of a mangled variable (see demangle.h). */
bool demangle_variable(const char *sym, char *buf, size_t len)
{
	char out[512];
	const char *s = sym;
	bool local = false;
	size_t n = 0, last = 0;
	int parts = 0;

	if (!sym || strncmp(sym, "_Z", 2) != 0 || !len)
		return false;
	s += 2;
	out[0] = '\0';
	if (*s == 'Z') /* a function's local static: _ZZ <function> <parameters> E <source-name> */
		local = *++s != 'Z'; /* (not a local name's own local name: left mangled) */
	if (*s == 'N') { /* a nested name: _ZN [L] [St] <source-name>+ E */
		s++;
		if (*s == 'L')
			s++;
		if (s[0] == 'S' && s[1] == 't') {
			memcpy(out, "std", 4);
			n = 3;
			s += 2;
		}
		while (*s != 'E') {
			last = n;
			if (++parts > PARTS_MAX || !source_name(&s, out, sizeof(out), &n))
				return false;
		}
		s++;
		if (parts > 1 && rust_hash(out + last + 2)) { /* a Rust name's ::h<16 hex digits> */
			n = last;
			out[n] = '\0';
		}
	} else {
		if (*s == 'L') /* a file's static variable */
			s++;
		if (!source_name(&s, out, sizeof(out), &n))
			return false;
	}
	if (local) { /* (the function's parameters are skipped: function::name) */
		if (!(s = local_entity(s)) || !source_name(&s, out, sizeof(out), &n))
			return false;
	}
	if (*s || !n || n + 1 > len)
		return false; /* (more follows: a function's parameters, a template...) */
	memcpy(buf, out, n + 1);
	return true;
}
