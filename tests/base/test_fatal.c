/* base/fatal and base/host's interrupts: each case runs its body in a forked
   child (which installs the hooks itself) and checks how the child ended and the
   line it left on stderr.
   One case by name: build/tests/base/test-fatal fatal_crash_in_call (--list names them). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fatal.h"
#include "base/host.h"
#include "harness.h"

#define WHERE   "r.toml: job 2 (dataset.load=0.1)"
#define STOPPED "; the run stopped and wrote no results\n"

/* How a child ended: its wait status and what it wrote on stderr. */
typedef struct ending {
    int status;
    char err[4096];
} ending;

/* Run body in a child with stderr on a pipe; a body that returns ends the child
   with status 99. */
static int in_child(void (*body)(void), ending *e)
{
    int p[2];
    memset(e, 0, sizeof *e);
    if (pipe(p) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit no_core = {0, 0}; /* the crashes leave no core files */
        setrlimit(RLIMIT_CORE, &no_core);
        dup2(p[1], STDERR_FILENO);
        close(p[0]);
        close(p[1]);
        body();
        fatal_stage(NULL);
        _exit(99);
    }
    close(p[1]);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(p[0], e->err + n, sizeof e->err - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(p[0]);
    e->err[n] = '\0';
    while (waitpid(pid, &e->status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

static int killed_by(const ending *e)
{
    return WIFSIGNALED(e->status) ? WTERMSIG(e->status) : 0;
}

static int exited_with(const ending *e)
{
    return WIFEXITED(e->status) ? WEXITSTATUS(e->status) : -1;
}

/* A job of r.toml under way, in samplers/x's run. */
static void in_run(void)
{
    fatal_install();
    fatal_stage(WHERE);
    fatal_enter("samplers/x", "run");
}

static volatile char *volatile nowhere;
static volatile int sink;

#if defined(__GNUC__)
#define NO_SANITIZE __attribute__((noinline, no_sanitize("address", "undefined")))
#else
#define NO_SANITIZE
#endif

NO_SANITIZE static void segv(void)
{
    *nowhere = 1;
}

NO_SANITIZE static int deep(unsigned long n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (n > (1ul << 40))
        return pad[0];
    return deep(n + 1) + pad[0];
}

static void crash_in_call(void)
{
    in_run();
    segv();
}

/* A fault in a plugin call: the line names the job, the plugin and the call; the
   process dies of the signal. */
TEST_IMPL(fatal_crash_in_call)
{
    ending e;
    ASSERT_EQ(in_child(crash_in_call, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGSEGV);
    EXPECT_STR_EQ(e.err, "basin: " WHERE ": samplers/x: run: crashed (SIGSEGV: "
                         "segmentation fault)" STOPPED);
}

static void nested_calls(void)
{
    in_run();
    fatal_call was = fatal_enter("energies/e", "energy");
    fatal_leave(was);
    fatal_say("after the inner call");
    fatal_leave((fatal_call){NULL, NULL});
    fatal_say("between calls");
    fatal_stage(NULL);
    fatal_say("after the job");
}

/* fatal_leave puts the outer call back; out of every call the line names the
   job alone, out of the job nothing. */
TEST_IMPL(fatal_nested_calls)
{
    ending e;
    ASSERT_EQ(in_child(nested_calls, &e), 0);
    EXPECT_EQ(exited_with(&e), 99);
    EXPECT_STR_EQ(e.err, "basin: " WHERE ": samplers/x: run: after the inner call\n"
                         "basin: " WHERE ": between calls\n"
                         "basin: after the job\n");
}

static void overflow_main(void)
{
    in_run();
    sink = deep(0);
}

/* A stack overflow is caught (the handler runs on the alternate stack). */
TEST_IMPL(fatal_stack_overflow)
{
    ending e;
    ASSERT_EQ(in_child(overflow_main, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGSEGV);
    EXPECT_STR_CONTAINS(e.err, "samplers/x: run: crashed (SIGSEGV");
}

static void *overflow_thread(void *arg)
{
    (void)arg;
    void *stack = fatal_thread_begin();
    fatal_enter("samplers/y", "run (model energies/z)");
    sink = deep(0);
    fatal_thread_end(stack);
    return NULL;
}

static void overflow_in_thread(void)
{
    in_run();
    pthread_t t;
    if (pthread_create(&t, NULL, overflow_thread, NULL) == 0)
        pthread_join(t, NULL);
}

/* In a worker thread with fatal_thread_begin's stack: its own call is named. */
TEST_IMPL(fatal_stack_overflow_in_thread)
{
    ending e;
    ASSERT_EQ(in_child(overflow_in_thread, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGSEGV);
    EXPECT_STR_EQ(e.err, "basin: " WHERE ": samplers/y: run (model energies/z): crashed "
                         "(SIGSEGV: segmentation fault)" STOPPED);
}

static void abort_in_call(void)
{
    in_run();
    abort();
}

TEST_IMPL(fatal_abort)
{
    ending e;
    ASSERT_EQ(in_child(abort_in_call, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGABRT);
    EXPECT_STR_EQ(e.err, "basin: " WHERE
                         ": samplers/x: run: crashed (SIGABRT: aborted)" STOPPED);
}

static void crash_out_of_job(void)
{
    fatal_install();
    raise(SIGBUS);
}

/* Out of a job the line says only that basin crashed. */
TEST_IMPL(fatal_crash_out_of_job)
{
    ending e;
    ASSERT_EQ(in_child(crash_out_of_job, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGBUS);
    EXPECT_STR_EQ(e.err, "basin: crashed (SIGBUS: bus error)\n");
}

static void exit_zero_in_call(void)
{
    in_run();
    exit(0);
}

/* exit(0) in a plugin: status 1, and the line. */
TEST_IMPL(fatal_exit_in_call)
{
    ending e;
    ASSERT_EQ(in_child(exit_zero_in_call, &e), 0);
    EXPECT_EQ(exited_with(&e), 1);
    EXPECT_STR_EQ(e.err,
                  "basin: " WHERE ": samplers/x: run: the plugin called exit(0)" STOPPED);
}

static void underscore_exit_in_call(void)
{
    in_run();
    _exit(0);
}

/* _exit(0) skips the exit hooks, but basin's own _exit is the one called. */
TEST_IMPL(fatal_underscore_exit_in_call)
{
    ending e;
    ASSERT_EQ(in_child(underscore_exit_in_call, &e), 0);
    EXPECT_EQ(exited_with(&e), 1);
    EXPECT_STR_EQ(e.err, "basin: " WHERE
                         ": samplers/x: run: the plugin called _exit(0)" STOPPED);
}

static void quick_exit_in_call(void)
{
    in_run();
    quick_exit(4);
}

TEST_IMPL(fatal_quick_exit_in_call)
{
    ending e;
    ASSERT_EQ(in_child(quick_exit_in_call, &e), 0);
    EXPECT_EQ(exited_with(&e), 1);
    EXPECT_STR_EQ(e.err, "basin: " WHERE
                         ": samplers/x: run: the plugin called quick_exit()" STOPPED);
}

static void *exit_from_thread(void *arg)
{
    (void)arg;
    exit(0);
}

static void exit_in_plugin_thread(void)
{
    in_run();
    pthread_t t;
    if (pthread_create(&t, NULL, exit_from_thread, NULL) == 0)
        pthread_join(t, NULL);
}

/* A thread of the plugin's own, in no recorded call: the job thread's call is
   named. */
TEST_IMPL(fatal_exit_in_plugin_thread)
{
    ending e;
    ASSERT_EQ(in_child(exit_in_plugin_thread, &e), 0);
    EXPECT_EQ(exited_with(&e), 1);
    EXPECT_STR_EQ(e.err,
                  "basin: " WHERE ": samplers/x: run: the plugin called exit(0)" STOPPED);
}

static void exit_between_calls(void)
{
    fatal_install();
    fatal_stage(WHERE);
    exit(6);
}

TEST_IMPL(fatal_exit_between_calls)
{
    ending e;
    ASSERT_EQ(in_child(exit_between_calls, &e), 0);
    EXPECT_EQ(exited_with(&e), 1);
    EXPECT_STR_EQ(e.err, "basin: " WHERE ": code outside basin called exit(6)" STOPPED);
}

static void exit_after_job(void)
{
    in_run();
    fatal_leave((fatal_call){NULL, NULL});
    fatal_stage(NULL);
    exit(5);
}

/* basin's own exit, after the job: untouched. */
TEST_IMPL(fatal_exit_after_job)
{
    ending e;
    ASSERT_EQ(in_child(exit_after_job, &e), 0);
    EXPECT_EQ(exited_with(&e), 5);
    EXPECT_STR_EQ(e.err, "");
}

static void exit_in_forked_child(void)
{
    in_run();
    pid_t pid = fork();
    if (pid == 0)
        exit(7); /* a plugin's own child: its exit is its own */
    int status = 0;
    waitpid(pid, &status, 0);
    fatal_leave((fatal_call){NULL, NULL});
    fatal_stage(NULL);
    _exit(WIFEXITED(status) ? 10 + WEXITSTATUS(status) : 3);
}

/* A child the plugin forks exits as it asks, silently. */
TEST_IMPL(fatal_exit_in_forked_child)
{
    ending e;
    ASSERT_EQ(in_child(exit_in_forked_child, &e), 0);
    EXPECT_EQ(exited_with(&e), 17);
    EXPECT_STR_EQ(e.err, "");
}

/* ------------------------------------------------------- interrupts */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void interrupt_twice(void)
{
    in_run();
    host_install_signals();
    raise(SIGINT);
    if (!host_cancel_requested())
        _exit(98);
    fatal_say("still running");
    raise(SIGINT);
    sleep_ms(5000);
}

/* The first SIGINT requests cancellation, the second ends the process at once,
   by SIGINT, naming the call. */
TEST_IMPL(host_interrupt_twice)
{
    ending e;
    ASSERT_EQ(in_child(interrupt_twice, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGINT);
    EXPECT_STR_EQ(e.err, "basin: interrupted: stopping (Ctrl-C again stops at once)\n"
                         "basin: " WHERE ": samplers/x: run: still running\n"
                         "basin: " WHERE ": samplers/x: run: interrupted again: "
                         "stopping now\n");
}

static void interrupt_then_terminate(void)
{
    in_run();
    host_install_signals();
    raise(SIGINT);
    raise(SIGTERM);
    sleep_ms(5000);
}

TEST_IMPL(host_interrupt_then_terminate)
{
    ending e;
    ASSERT_EQ(in_child(interrupt_then_terminate, &e), 0);
    EXPECT_EQ(killed_by(&e), SIGTERM);
    EXPECT_STR_CONTAINS(e.err, "samplers/x: run: terminated again: stopping now\n");
}

static void terminate_hung(void)
{
    in_run();
    host_install_signals();
    raise(SIGTERM);
    for (int i = 0; i < 100; i++) /* a plugin that never returns */
        sleep_ms(100);
}

/* One SIGTERM: the run has HOST_TERM_GRACE_SECONDS to stop, then ends. */
TEST_IMPL(host_terminate_deadline)
{
    ending e;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ASSERT_EQ(in_child(terminate_hung, &e), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took =
        (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    EXPECT_EQ(killed_by(&e), SIGTERM);
    EXPECT_NEAR(took, HOST_TERM_GRACE_SECONDS, 1.5);
    EXPECT_STR_EQ(e.err, "basin: terminated: stopping (at once if still running in "
                         "2 s)\n"
                         "basin: " WHERE ": samplers/x: run: still running 2 s after "
                         "SIGTERM: stopping now\n");
}

static void terminate_cooperative(void)
{
    in_run();
    host_install_signals();
    raise(SIGTERM);
    fatal_leave((fatal_call){NULL, NULL});
    fatal_stage(NULL);
    exit(host_cancel_requested() ? 1 : 0); /* the run stopped in time */
}

/* A run that stops in time ends as it chooses (status 1 after its message). */
TEST_IMPL(host_terminate_in_time)
{
    ending e;
    ASSERT_EQ(in_child(terminate_cooperative, &e), 0);
    EXPECT_EQ(exited_with(&e), 1);
    EXPECT_STR_EQ(e.err,
                  "basin: terminated: stopping (at once if still running in 2 s)\n");
}

TEST_LIST_BEGIN
TEST_ENTRY(fatal_crash_in_call)
TEST_ENTRY(fatal_nested_calls)
TEST_ENTRY(fatal_stack_overflow)
TEST_ENTRY(fatal_stack_overflow_in_thread)
TEST_ENTRY(fatal_abort)
TEST_ENTRY(fatal_crash_out_of_job)
TEST_ENTRY(fatal_exit_in_call)
TEST_ENTRY(fatal_underscore_exit_in_call)
TEST_ENTRY(fatal_quick_exit_in_call)
TEST_ENTRY(fatal_exit_in_plugin_thread)
TEST_ENTRY(fatal_exit_between_calls)
TEST_ENTRY(fatal_exit_after_job)
TEST_ENTRY(fatal_exit_in_forked_child)
TEST_ENTRY(host_interrupt_twice)
TEST_ENTRY(host_interrupt_then_terminate)
TEST_ENTRY(host_terminate_deadline)
TEST_ENTRY(host_terminate_in_time)
TEST_LIST_END
