#include "base/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

#define LOG_INTERVAL 30.0

struct progress {
    pthread_mutex_t lock;
    uint64_t total, done;
    int mode;
    double started, last_draw, interval;
    char label[64];
};

progress *progress_new(uint64_t total, int mode)
{
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->total = total ? total : 1;
    p->mode = mode;
    p->started = clock_seconds();
    p->last_draw = p->started;
    p->interval = LOG_INTERVAL;
    const char *v = getenv("BASIN_PROGRESS_INTERVAL");
    if (v && atof(v) > 0)
        p->interval = atof(v);
    return p;
}

static void format_duration(double s, char *buf, size_t n)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void eta_of(double fraction, double elapsed, char *buf, size_t n)
{
    if (fraction > 0 && fraction < 1)
        format_duration(elapsed * (1 - fraction) / fraction, buf, n);
    else if (fraction >= 1)
        snprintf(buf, n, "0:00");
    else
        snprintf(buf, n, "--:--");
}

void progress_format_bar(char *buf, size_t n, double fraction, const char *label,
                         double elapsed, int width)
{
    enum { BAR = 30 };
    if (fraction > 1)
        fraction = 1;
    if (fraction < 0)
        fraction = 0;
    char bar[BAR + 1], e[32], eta[32];
    int filled = (int)(fraction * BAR);
    for (int i = 0; i < BAR; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR] = '\0';
    format_duration(elapsed, e, sizeof e);
    eta_of(fraction, elapsed, eta, sizeof eta);
    char tail[96];
    snprintf(tail, sizeof tail, "  elapsed %s  ETA %s", e, eta);
    /* "[bar] 100%  LABEL" + tail, the label cut to what the width leaves */
    int fixed = BAR + 2 + 5 + 2 + (int)strlen(tail);
    int room = width - 1 - fixed;
    int len = (int)strlen(label);
    if (room < 0)
        room = 0;
    if (len > room)
        len = room;
    snprintf(buf, n, "[%s] %3d%%  %.*s%s", bar, (int)(fraction * 100), len, label, tail);
    if (width >= 2 && strlen(buf) > (size_t)(width - 1) && (size_t)(width - 1) < n)
        buf[width - 1] = '\0'; /* a terminal narrower than the bar itself */
}

void progress_format_log(char *buf, size_t n, double fraction, uint64_t done,
                         uint64_t n_jobs, double elapsed)
{
    if (fraction > 1)
        fraction = 1;
    char e[32], eta[32];
    format_duration(elapsed, e, sizeof e);
    eta_of(fraction, elapsed, eta, sizeof eta);
    if (n_jobs)
        snprintf(buf, n, "basin: job %llu/%llu done, %d%%, elapsed %s, ETA %s",
                 (unsigned long long)done, (unsigned long long)n_jobs,
                 (int)(fraction * 100), e, eta);
    else
        snprintf(buf, n, "basin: %d%%, elapsed %s, ETA %s", (int)(fraction * 100), e,
                 eta);
}

/* The terminal's width: TIOCGWINSZ, else $COLUMNS, else 80. */
static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 2)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    int w = c ? atoi(c) : 0;
    return w >= 2 ? w : 80;
}

static double fraction_of(const progress *p)
{
    return (double)p->done / (double)p->total;
}

/* Called with the lock held. */
static void draw(progress *p, double t)
{
    char line[512];
    if (p->mode == PROGRESS_BAR) {
        progress_format_bar(line, sizeof line, fraction_of(p), p->label, t - p->started,
                            terminal_width());
        fprintf(stderr, "\r%s\033[K", line);
    } else {
        progress_format_log(line, sizeof line, fraction_of(p), 0, 0, t - p->started);
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
    p->last_draw = t;
}

/* Whether it is time to draw (lock held). */
static int due(const progress *p, double t)
{
    return p->mode == PROGRESS_BAR ? t - p->last_draw >= 0.1
                                   : t - p->last_draw >= p->interval;
}

void progress_add(progress *p, uint64_t n)
{
    if (!p || !p->mode)
        return;
    pthread_mutex_lock(&p->lock);
    p->done += n;
    double t = clock_seconds();
    if (due(p, t) || (p->mode == PROGRESS_BAR && p->done >= p->total))
        draw(p, t);
    pthread_mutex_unlock(&p->lock);
}

void progress_label(progress *p, const char *label)
{
    if (!p || !p->mode)
        return;
    pthread_mutex_lock(&p->lock);
    snprintf(p->label, sizeof p->label, "%s", label);
    double t = clock_seconds();
    if (due(p, t))
        draw(p, t);
    pthread_mutex_unlock(&p->lock);
}

void progress_job_done(progress *p, uint64_t done, uint64_t n_jobs)
{
    if (!p || p->mode != PROGRESS_LOG)
        return;
    pthread_mutex_lock(&p->lock);
    double t = clock_seconds();
    char line[256];
    progress_format_log(line, sizeof line, fraction_of(p), done, n_jobs, t - p->started);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    p->last_draw = t;
    pthread_mutex_unlock(&p->lock);
}

void progress_free(progress *p)
{
    if (!p)
        return;
    if (p->mode == PROGRESS_BAR && p->last_draw > p->started) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}
