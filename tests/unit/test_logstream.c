/* conctop log prints as it reads (cli_log_print): a part at a time, once
 * the reading makes what comes before it final, forgetting each part once
 * printed. Every trace of tests/data, written again in small chunks with
 * an index (as a long recording is), is printed whole (one part: the
 * window read to its end first, as log did before it streamed) and in
 * parts of several lengths, for windows from the start, from a third and
 * between a quarter and three quarters: the lines must be the same, byte
 * for byte. The test counts the parts, so that it cannot pass by reading
 * everything before printing. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "cli.h"
#include "timeline.h"
#include "traces.h"

#define DATA "tests/data"

/* The log of [from, to) of path printed in parts of step ns, as text
 * (malloc'd; NULL when printing failed), and its parts in *parts. */
static char *log_text(const char *path, uint64_t from, uint64_t to, uint64_t step, size_t *parts)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	*parts = 0;
	if (!f)
		return NULL;
	rc = cli_log_print(f, path, from, to, UINT64_MAX, step, false, parts);
	fclose(f);
	if (rc) {
		free(text);
		return NULL;
	}
	return text;
}

/* Prints path's windows whole and in parts, checking they match; adds
 * the parts beyond one to *streamed. */
static void test_trace(const char *name, const char *path, size_t *streamed)
{
	static const uint64_t steps[] = { 1000000, 13000000, 100000000 };
	struct timeline *tl = NULL;
	uint64_t end, windows[3][2];
	size_t w, s, parts, whole_parts;
	char label[256];

	if (test_timeline_of(path, &tl)) {
		CHECK(false, name);
		return;
	}
	end = timeline_end(tl);
	timeline_free(tl);
	windows[0][0] = 0, windows[0][1] = UINT64_MAX;
	windows[1][0] = end / 3, windows[1][1] = UINT64_MAX;
	windows[2][0] = end / 4, windows[2][1] = end / 4 * 3;
	for (w = 0; w < 3; w++) {
		char *whole = log_text(path, windows[w][0], windows[w][1], UINT64_MAX, &whole_parts);
		bool same = whole != NULL;

		for (s = 0; same && s < sizeof(steps) / sizeof(steps[0]); s++) {
			char *parted = log_text(path, windows[w][0], windows[w][1], steps[s], &parts);

			same = parted && strcmp(parted, whole) == 0;
			*streamed += parts > 1 ? parts - 1 : 0;
			if (!same)
				printf("  %s, window %zu, parts of %" PRIu64 " ns: %zu parts differ\n", name, w, steps[s],
				       parts);
			free(parted);
		}
		snprintf(label, sizeof(label), "log of %s from %.3f s%s: printed in parts (1, 13, 100 ms) as whole (%zu bytes, 1 part)",
			 name, windows[w][0] / 1e9, windows[w][1] == UINT64_MAX ? "" : " to three quarters",
			 whole ? strlen(whole) : 0);
		CHECK(same && whole_parts == 1, label);
		free(whole);
	}
}

/* Every trace of tests/data, written again in small chunks, logged whole
 * and in parts. */
int main(void)
{
	char dir[] = "/tmp/conctop-logstream-XXXXXX";
	size_t streamed = 0, traces = 0;
	struct dirent *de;
	DIR *d = opendir(DATA);

	if (!d || !mkdtemp(dir)) {
		CHECK(false, "tests/data and a temporary directory");
		return check_summary();
	}
	while ((de = readdir(d))) {
		char path[512], copy[512];
		size_t n = strlen(de->d_name);

		if (n < 7 || strcmp(de->d_name + n - 7, ".ctrace"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", DATA, de->d_name);
		snprintf(copy, sizeof(copy), "%s/%s", dir, de->d_name);
		if (test_rechunk(path, copy) == 0) {
			test_trace(de->d_name, copy, &streamed);
			traces++;
		}
		unlink(copy);
	}
	closedir(d);
	rmdir(dir);
	printf("  %zu traces; %zu parts printed before their reading ended\n", traces, streamed);
	CHECK(traces >= 20 && streamed > 100, "the logs were printed in parts, not read whole first");
	return check_summary();
}
