/* conctop list: the built-in scenarios and their lessons. */
#include <stdio.h>
#include <string.h>
#include "catalogue.h"
#include "cli.h"

/* Prints every scenario with its one-line lesson. */
int cmd_list(int argc, char **argv)
{
	unsigned i;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: conctop list\n\nLists the built-in scenarios and what each one teaches.\n"
		       "Run one with 'sudo conctop record SCENARIO [ARGS]'; each takes --help.\n");
		return 0;
	}
	if (argc > 1)
		return cli_usage_error("list", "unexpected argument '%s'", argv[1]);
	for (i = 0; i < scenario_catalogue_len; i++)
		printf("%-12s %s\n", scenario_catalogue[i].name, scenario_catalogue[i].lesson);
	return 0;
}
