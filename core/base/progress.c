#include "base/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/clock.h"

struct progress {
    pthread_mutex_t lock;
    uint64_t total, done;
    int enabled;
    double started, last_draw;
    char label[64];
};

progress *progress_new(uint64_t total, int enabled)
{
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->total = total ? total : 1;
    p->enabled = enabled;
    p->started = clock_seconds();
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

/* Called with the lock held. */
static void draw(progress *p, double t)
{
    enum { WIDTH = 30 };
    double fraction = (double)p->done / (double)p->total;
    if (fraction > 1)
        fraction = 1;
    char bar[WIDTH + 1];
    int filled = (int)(fraction * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    char elapsed[32], eta[32] = "--:--";
    format_duration(t - p->started, elapsed, sizeof elapsed);
    if (p->done > 0 && fraction < 1)
        format_duration((t - p->started) * (1 - fraction) / fraction, eta, sizeof eta);
    fprintf(stderr, "\r[%s] %3d%%  %s  elapsed %s  ETA %s\033[K", bar,
            (int)(fraction * 100), p->label, elapsed, eta);
    fflush(stderr);
    p->last_draw = t;
}

void progress_add(progress *p, uint64_t n)
{
    if (!p || !p->enabled)
        return;
    pthread_mutex_lock(&p->lock);
    p->done += n;
    double t = clock_seconds();
    if (t - p->last_draw >= 0.1 || p->done >= p->total)
        draw(p, t);
    pthread_mutex_unlock(&p->lock);
}

void progress_label(progress *p, const char *label)
{
    if (!p || !p->enabled)
        return;
    pthread_mutex_lock(&p->lock);
    snprintf(p->label, sizeof p->label, "%s", label);
    double t = clock_seconds();
    if (t - p->last_draw >= 0.1)
        draw(p, t);
    pthread_mutex_unlock(&p->lock);
}

void progress_free(progress *p)
{
    if (!p)
        return;
    if (p->enabled && p->last_draw > 0) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}
