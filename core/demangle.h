/* C++ variable names as their source spells them: the Itanium ABI's
 * mangled names of data symbols (a namespace's or a class's static
 * variable, a file's static one) turned back into `a::b::name`, so that
 * the objects a C++ program blocks on read as in its code. Only the plain
 * forms a variable takes are read; anything else (templates, a function)
 * is left as it is. */
#ifndef CONCTOP_DEMANGLE_H
#define CONCTOP_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the source name of the mangled variable name sym into buf (len
 * bytes) and returns true: _ZN<len><id>...E (nested names; St is std;
 * a Rust name's last part, its hash h<16 hex digits>, left out),
 * _ZL<len><id> (internal linkage), _Z<len><id>, and a function's local
 * static _ZZ<function><parameters>E<len><id> as function::name (its
 * parameters left out). Returns false, buf
 * untouched, for a name that is not one of these (a C name among them). */
bool demangle_variable(const char *sym, char *buf, size_t len);

#endif
