/* The interactive views' shared parts (see view.h): setting the screen up
 * and down, drawing a frame, the classroom start and the lesson cards. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "catalogue.h"
#include "cli.h"
#include "render.h"
#include "stopsig.h"
#include "view.h"

/* Refuses to start without a terminal that can show the view. */
int view_need_terminal(const char *cmd)
{
	char err[400];
	int e = screen_check(err, sizeof(err));

	if (e == -ENOTTY)
		cli_error("%s needs a terminal: standard output is not one. For text, use "
			  "'conctop lanes FILE'%s.", cmd,
			  strcmp(cmd, "replay") ? "; to trace without a screen, 'conctop record'" : "");
	else if (e)
		cli_error("%s cannot use this terminal: %s", cmd, err);
	return e ? 1 : 0;
}

/* Takes --mono, --classroom or --theme (see view.h). */
int view_option(const char *cmd, int opt, const char *arg, struct view_opts *o)
{
	switch (opt) {
	case 'M':
		o->mono = true;
		return 0;
	case 'K':
		o->classroom = true;
		return 0;
	case 't':
		return cli_theme_option(cmd, arg, &o->light);
	default:
		return -1;
	}
}

/* Opens the screen; from now on a third stop signal restores the
 * terminal and exits, should the view stop listening. */
int view_open(struct viewer *w, bool mono)
{
	char err[256] = "";
	int e = screen_open(&w->scr, mono, err, sizeof(err)), width, height;

	if (e) {
		cli_error("cannot set up the terminal: %s", err);
		return 1;
	}
	stopsig_last_resort(screen_emergency_restore);
	w->vs.ascii = screen_theme(w->scr)->ascii;
	screen_size(w->scr, &width, &height);
	w->vs.width = width;
	w->vs.height = height;
	return 0;
}

/* Closes the screen. */
void view_close(struct viewer *w)
{
	if (w->scr)
		stopsig_last_resort(NULL);
	screen_close(w->scr);
	w->scr = NULL;
	grid_free(w->grid);
	w->grid = NULL;
}

/* The classroom scale and the scenario's key lanes, and the classroom
 * view when asked. */
void view_start_classroom(struct viewer *w, bool classroom, const char *command)
{
	const struct scenario_info *si = scenario_of_command(command);

	w->vs.v.key_lanes = si ? si->key_lanes : NULL;
	viewstate_set_class_scale(&w->vs, command);
	if (classroom) {
		viewstate_toggle_classroom(&w->vs);
		screen_set_classroom(w->scr, true, w->light);
	}
	w->vs.note[0] = '\0';
}

/* The message line: what a long task is doing, else the prompt being
 * typed, else the note of the last key, else the status; once tracing
 * has ended, the status (how it ended) stays in front of a key's note;
 * while a replay reads, its progress stays after the note. */
static void compose_message(struct viewer *w)
{
	if (w->busy[0])
		snprintf(w->message, sizeof(w->message), "%s", w->busy);
	else if (w->prompt)
		snprintf(w->message, sizeof(w->message), "%s%s_",
			 w->prompt == 'g' ? "go to time (1.5s, 250ms, 40us; Enter goes, Esc cancels): "
					  : "filter threads by name (Enter applies, empty shows all, Esc cancels): ",
			 w->input);
	else if (w->vs.note[0] && w->vs.live && w->vs.ended && w->status[0])
		snprintf(w->message, sizeof(w->message), "%s · %s", w->status, w->vs.note);
	else if (w->vs.note[0] && w->vs.v.reading && w->status[0])
		snprintf(w->message, sizeof(w->message), "%s · %s", w->vs.note, w->status);
	else
		snprintf(w->message, sizeof(w->message), "%s", w->vs.note[0] ? w->vs.note : w->status);
	w->vs.v.message = w->message[0] ? w->message : NULL;
}

/* Renders and shows a frame. */
int view_draw(struct viewer *w)
{
	const struct theme *th = screen_theme(w->scr);
	int width, height;

	screen_size(w->scr, &width, &height);
	if (!w->grid || width != grid_width(w->grid) || height != grid_height(w->grid)) {
		grid_free(w->grid);
		w->grid = grid_new(width > 0 ? width : 1, height > 0 ? height : 1);
		if (!w->grid)
			return -ENOMEM;
	}
	viewstate_frame(&w->vs, width, height);
	compose_message(w);
	w->vs.v.output = NULL;
	w->vs.v.output_lines = 0;
	if (w->out && w->show_output && (!w->vs.v.classroom || w->class_output))
		view_output_show(w->out, &w->vs.v);
	view_why_sync(w, evloop_now());
	render_screen(w->grid, w->vs.tl, &w->vs.v, th); /* -ERANGE: it says "too small" */
	return screen_draw(w->scr, w->grid);
}

/* Prints one text of a lesson card, indented, on f. */
static void card_text(FILE *f, const char *heading, const char *text)
{
	const char *p = text;

	fprintf(f, "%s\n", heading);
	while (*p) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "  %.*s\n", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

/* The lesson card, the question first (what to watch gives the answer
 * away), then Enter (when there is a keyboard); false when q was typed
 * before it (or the input ended): the run is not wanted. */
bool view_card_start(const struct lesson_card *card)
{
	int c, first = 0;

	if (!card)
		return true;
	printf("\n%s: %s\n\n", card->name, card->title);
	card_text(stdout, "Ask the class first:", card->question);
	card_text(stdout, "What to watch:", card->watch);
	if (isatty(STDIN_FILENO)) {
		printf("\nPress Enter to start (q, Enter: leave).");
		fflush(stdout);
		while ((c = getchar()) != EOF && c != '\n')
			if (!first)
				first = c;
		if (c == EOF || first == 'q' || first == 'Q')
			return false;
	}
	fflush(stdout);
	return true;
}

/* The card's take-away, once the screen is gone. */
void view_card_end(const struct lesson_card *card)
{
	if (!card)
		return;
	printf("\n");
	card_text(stdout, "Take-away:", card->takeaway);
	fflush(stdout);
}
