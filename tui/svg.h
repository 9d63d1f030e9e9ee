/* Handouts: the lanes of a time window as an SVG picture, for printing or
 * slides. Pure: a timeline, a window and a number of columns in, SVG text
 * out, no terminal.
 *
 * The picture follows `conctop lanes` (docs/lanes.md): a time axis, one lane
 * per CPU (the letter of the thread it ran) and one per thread (letter,
 * name, tid, then the state of each column, with the same glyphs), the
 * share of the window each thread spent running, waiting for a CPU and
 * blocked, and a legend of what the picture uses. States are coloured with
 * the Okabe-Ito palette the terminal themes stand for (colour-blind safe),
 * and every coloured cell keeps its glyph, so a grey printout still reads.
 *
 * Structure, for scripts and tests: every lane is a <g class="lane cpu">
 * or <g class="lane thread"> (id "cpu-N" or "thread-N", N the thread's
 * index, and data-letter, data-name, data-tid on threads); a run of equal
 * cells is one <rect> whose class names the state; the legend is
 * <g class="legend" id="legend">, each item a <g class="legend-item">. */
#ifndef CONCTOP_SVG_H
#define CONCTOP_SVG_H

#include <stdint.h>
#include <stdio.h>
#include "timeline.h"

#define SVG_MIN_COLS 10
#define SVG_MAX_COLS 4000
#define SVG_DEFAULT_COLS 100

/* The Okabe-Ito colours behind the themes' xterm-256 numbers. */
#define SVG_RUNNING "#009E73"  /* 36 bluish green */
#define SVG_SPINNING "#0072B2" /* 25 blue */
#define SVG_RUNNABLE "#E69F00" /* 214 orange */
#define SVG_LOCK "#D55E00"     /* 166 vermilion: mutex, rwlock */
#define SVG_SIGNAL "#CC79A7"   /* 175 reddish purple: cond, barrier, sem, join, futex */
#define SVG_SLEEP "#56B4E9"    /* 74 sky blue: sleeping, I/O, uninterruptible */
#define SVG_FRAME "#9E9E9E"    /* 247 grey: frames, labels, another program */

/* Writes the lanes of [t0, t1) in at most cols columns (SVG_MIN_COLS to
 * SVG_MAX_COLS; each column a round length of time) as an SVG document to
 * f; title (may be NULL) heads the picture. Returns 0, -EINVAL for bad
 * arguments, or -EIO when writing failed. */
int svg_write_lanes(FILE *f, const struct timeline *tl, uint64_t t0, uint64_t t1, int cols, const char *title);

#endif
