#include "base/fatal.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

/* A thread's record is read by signal handlers: initial-exec TLS is reached
   without allocating. */
#if defined(__GNUC__)
#define THREAD_RECORD _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define THREAD_RECORD _Thread_local
#endif

/* The plugin call a thread is in; atomics so another thread's handler reads
   whole pointers. */
typedef struct record {
    _Atomic(const char *) plugin;
    _Atomic(const char *) call;
} record;

static THREAD_RECORD record here;

static int installed;
static pid_t basin_pid; /* a forked child is not basin: its exits are its own */
static int stderr_tty;  /* a progress bar may be on the line: clear it first */
static atomic_int stage_active;
static char stage_where[512];
static _Atomic(record *) stage_thread; /* the record of the stage's thread */

/* The alternate stacks: big enough for the handlers, under a sanitizer too. */
enum { ALT_STACK_SIZE = 64 * 1024 };
static _Alignas(16) char main_alt_stack[ALT_STACK_SIZE];

static const struct {
    int sig;
    const char *name, *what;
} FATAL_SIGNALS[] = {
    {SIGSEGV, "SIGSEGV", "segmentation fault"},
    {SIGBUS, "SIGBUS", "bus error"},
    {SIGFPE, "SIGFPE", "arithmetic exception"},
    {SIGILL, "SIGILL", "illegal instruction"},
    {SIGABRT, "SIGABRT", "aborted"},
};
#define N_FATAL (sizeof FATAL_SIGNALS / sizeof FATAL_SIGNALS[0])
static struct sigaction previous[N_FATAL];

/* ------------------------------------------------------- the message line */

/* A line built without allocating. [async-signal-safe] */
typedef struct line {
    char text[1024];
    size_t n;
} line;

static void put(line *l, const char *s)
{
    while (s && *s && l->n < sizeof l->text - 1)
        l->text[l->n++] = *s++;
}

static void put_int(line *l, int v)
{
    char digits[16];
    size_t k = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do
        digits[k++] = (char)('0' + u % 10);
    while ((u /= 10) && k < sizeof digits);
    if (v < 0)
        put(l, "-");
    while (k)
        if (l->n < sizeof l->text - 1)
            l->text[l->n++] = digits[--k];
        else
            k--;
}

/* End the line and write it, in one write where the pipe allows. */
static void emit(line *l)
{
    l->text[l->n++] = '\n';
    const char *p = l->text;
    size_t left = l->n;
    while (left) {
        ssize_t w = write(STDERR_FILENO, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        left -= (size_t)w;
    }
}

/* The calling thread's plugin call, or else the stage thread's. */
static const record *current(void)
{
    if (atomic_load_explicit(&here.plugin, memory_order_relaxed))
        return &here;
    return atomic_load_explicit(&stage_thread, memory_order_relaxed);
}

static int in_stage(void)
{
    return atomic_load(&stage_active) != 0;
}

/* "basin: WHERE: PLUGIN: CALL: ", each part when known; *plugin gets whether a
   plugin was named. */
static void start(line *l, int *plugin)
{
    l->n = 0;
    if (stderr_tty)
        put(l, "\r\033[K");
    put(l, "basin: ");
    if (in_stage()) {
        put(l, stage_where);
        put(l, ": ");
    }
    const record *r = current();
    const char *id = r ? atomic_load_explicit(&r->plugin, memory_order_relaxed) : NULL;
    const char *call = r ? atomic_load_explicit(&r->call, memory_order_relaxed) : NULL;
    if (id) {
        put(l, id);
        put(l, ": ");
        if (call) {
            put(l, call);
            put(l, ": ");
        }
    }
    if (plugin)
        *plugin = id != NULL;
}

void fatal_say(const char *what)
{
    int saved = errno;
    line l;
    start(&l, NULL);
    put(&l, what);
    emit(&l);
    errno = saved;
}

void fatal_note(const char *what)
{
    int saved = errno;
    line l = {.n = 0};
    if (stderr_tty)
        put(&l, "\r\033[K");
    put(&l, "basin: ");
    put(&l, what);
    emit(&l);
    errno = saved;
}

/* ------------------------------------------------------- ending the process */

/* The exit system call itself: no atexit handlers, no stdio, and not the
   interposed _exit below. */
static _Noreturn void raw_exit(int status)
{
#if defined(__linux__) && defined(SYS_exit_group)
    for (;;)
        syscall(SYS_exit_group, status);
#else
    for (;;)
        _exit(status);
#endif
}

_Noreturn void fatal_die(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    raise(sig);
    raw_exit(128 + sig);
}

/* An exit during a stage is a plugin's: say so, and end with status 1 whatever
   the code it asked for (an exit(0) in a plugin must not read as success). */
static void exit_in_stage(const char *how, int status, int has_status)
{
    if (!installed || !in_stage() || getpid() != basin_pid)
        return;
    line l;
    int plugin;
    start(&l, &plugin);
    put(&l, plugin ? "the plugin called " : "code outside basin called ");
    put(&l, how);
    if (has_status) {
        put(&l, "(");
        put_int(&l, status);
        put(&l, ")");
    } else {
        put(&l, "()");
    }
    put(&l, "; the run stopped and wrote no results");
    emit(&l);
    raw_exit(1);
}

#if defined(__GLIBC__)
static void on_exit_hook(int status, void *arg)
{
    (void)arg;
    exit_in_stage("exit", status, 1);
}
#else
static void atexit_hook(void)
{
    exit_in_stage("exit", 0, 0);
}
#endif

static void quick_exit_hook(void)
{
    exit_in_stage("quick_exit", 0, 0);
}

#if defined(__linux__) && defined(SYS_exit_group)
/*
 * _exit and _Exit skip the exit hooks, so basin defines them: a plugin's call
 * binds to these (the executable comes first in the dynamic linker's search),
 * which report an exit during a stage and otherwise end the process as the C
 * library's do. The C library's own internal calls (from exit, posix_spawn) do
 * not come here; nor does a raw exit_group system call (docs/reliability.md, Plugins run inside basin).
 */
void _exit(int status)
{
    exit_in_stage("_exit", status, 1);
    raw_exit(status);
}

void _Exit(int status)
{
    exit_in_stage("_Exit", status, 1);
    raw_exit(status);
}
#endif

/* ------------------------------------------------------- crashes */

/* Set by the first thread to crash; another thread that crashes meanwhile waits
   for it to end the process. */
static atomic_flag crashing = ATOMIC_FLAG_INIT;

/*
 * The crash handler runs with every signal blocked, so a fault inside it takes
 * the default action at once (the kernel does not call a handler for a fault
 * on a blocked signal): no SA_RESETHAND, whose reset would let a second
 * thread's crash end the process before the first thread's line is written.
 */
static void on_crash(int sig, siginfo_t *info, void *context)
{
    (void)context;
    int saved = errno;
    size_t k = 0;
    while (k < N_FATAL && FATAL_SIGNALS[k].sig != sig)
        k++;
    if (k == N_FATAL)
        return;
    if (atomic_flag_test_and_set(&crashing))
        for (;;)
            pause(); /* signals blocked: ended with the process */
    if (getpid() == basin_pid) {
        line l;
        start(&l, NULL);
        put(&l, "crashed (");
        put(&l, FATAL_SIGNALS[k].name);
        put(&l, ": ");
        put(&l, FATAL_SIGNALS[k].what);
        put(&l, ")");
        if (in_stage())
            put(&l, "; the run stopped and wrote no results");
        emit(&l);
    }
    /* Hand the signal to the handler this one replaced (a sanitizer's, or the
       default action). A fault comes back when the instruction is retried; a
       signal that was sent is sent again. */
    struct sigaction next = previous[k];
    if (next.sa_handler == SIG_IGN)
        next.sa_handler = SIG_DFL;
    sigaction(sig, &next, NULL);
    if (info == NULL || info->si_code <= 0)
        raise(sig);
    errno = saved;
}

/* Give the calling thread the alternate stack `stack` unless it has one that
   is large enough. Returns 1 when `stack` is now in use. */
static int use_alt_stack(void *stack)
{
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE) &&
        old.ss_size >= ALT_STACK_SIZE)
        return 0;
    stack_t ss = {.ss_sp = stack, .ss_size = ALT_STACK_SIZE, .ss_flags = 0};
    return sigaltstack(&ss, NULL) == 0;
}

void *fatal_thread_begin(void)
{
    void *stack = malloc(ALT_STACK_SIZE);
    if (stack && !use_alt_stack(stack)) {
        free(stack);
        stack = NULL;
    }
    return stack;
}

void fatal_thread_end(void *stack)
{
    if (!stack)
        return;
    stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    free(stack);
}

void fatal_install(void)
{
    if (installed)
        return;
    basin_pid = getpid();
    stderr_tty = isatty(STDERR_FILENO);
    use_alt_stack(main_alt_stack);
    for (size_t k = 0; k < N_FATAL; k++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_crash;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigfillset(&sa.sa_mask);
        sigaction(FATAL_SIGNALS[k].sig, &sa, &previous[k]);
    }
#if defined(__GLIBC__)
    on_exit(on_exit_hook, NULL);
#else
    atexit(atexit_hook);
#endif
    if (at_quick_exit(quick_exit_hook) != 0)
        fatal_note("cannot watch quick_exit: a plugin's quick_exit will not be named");
    installed = 1;
}

/* ------------------------------------------------------- the records */

void fatal_stage(const char *where)
{
    if (!where) {
        atomic_store(&stage_active, 0);
        return;
    }
    atomic_store(&stage_active, 0);
    size_t n = 0;
    for (; n < sizeof stage_where - 1 && where[n]; n++) /* one line */
        stage_where[n] = (unsigned char)where[n] < ' ' ? ' ' : where[n];
    stage_where[n] = '\0';
    atomic_store(&stage_thread, &here);
    atomic_store(&stage_active, 1);
}

fatal_call fatal_enter(const char *plugin, const char *call)
{
    fatal_call was = {atomic_load_explicit(&here.plugin, memory_order_relaxed),
                      atomic_load_explicit(&here.call, memory_order_relaxed)};
    atomic_store_explicit(&here.call, call, memory_order_relaxed);
    atomic_store_explicit(&here.plugin, plugin, memory_order_release);
    return was;
}

void fatal_leave(fatal_call previous_call)
{
    atomic_store_explicit(&here.call, previous_call.call, memory_order_relaxed);
    atomic_store_explicit(&here.plugin, previous_call.plugin, memory_order_release);
}
