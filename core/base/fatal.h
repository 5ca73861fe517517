/*
 * fatal — basin's last words when the process ends in the middle of a run: a
 * plugin calls exit(), _exit() or quick_exit(), or crashes (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT, a stack overflow included), or a second interrupt stops
 * a hung run. One line on stderr names the job, the plugin and the call that was
 * running, then the process ends with a non-zero status: 1 for an exit a plugin
 * asked for (whatever its code, 0 included), the signal itself for a crash (the
 * shell shows 128 + N). docs/reliability.md, Plugins run inside basin says what is caught and what
 * cannot be.
 *
 * The stage under way (a job, or loading the recipe and its plugins) is set by
 * the thread that runs it (fatal_stage) and each thread records the plugin call
 * it is in (fatal_enter / fatal_leave); the handlers read them with no lock and
 * no allocation.
 */
#ifndef BASIN_FATAL_H
#define BASIN_FATAL_H

/* The plugin call a thread is in: the plugin's id and the call's name ("run",
   "encode"), static strings that outlive the call, or NULL. */
typedef struct fatal_call {
    const char *plugin;
    const char *call;
} fatal_call;

/*
 * Install the fatal-signal handlers (on an alternate stack, so a stack overflow
 * is caught), the exit hooks (on_exit/atexit, at_quick_exit) and the calling
 * thread's alternate signal stack. Call once from main, before any plugin is
 * loaded; later calls do nothing. A handler passes the signal on to the one it
 * replaced (the default action, or a sanitizer's).
 */
void fatal_install(void);

/*
 * The stage of a run now under way, in which plugin code runs, as messages name
 * it: a job ("recipe.toml: job 3 (dataset.load=0.1)"), or "recipe.toml: loading
 * the recipe and its plugins" (copied; cut at 511 bytes); NULL once it is over.
 * During a stage an exit of the process is not basin's (basin only exits by
 * returning from main), and the run it belongs to has written no results. Call
 * from the thread that runs the stage.
 */
void fatal_stage(const char *where);

/* Record that the calling thread now runs `call` of plugin `plugin`; returns the
   record it replaces, which fatal_leave puts back. [thread-safe, no allocation] */
fatal_call fatal_enter(const char *plugin, const char *call);
void fatal_leave(fatal_call previous);

/*
 * Give the calling thread an alternate signal stack, so a stack overflow in it
 * is reported: call first in a thread that runs plugin code, and pass what it
 * returns (NULL when it could not) to fatal_thread_end before the thread ends.
 */
void *fatal_thread_begin(void);
void fatal_thread_end(void *stack);

/*
 * Write "basin: WHERE: PLUGIN: CALL: what" on stderr: the job, and the plugin
 * call of the calling thread (or of the job's thread when the calling thread is
 * in none), each left out when unknown. [async-signal-safe]
 */
void fatal_say(const char *what);

/* Write "basin: what" on stderr. [async-signal-safe] */
void fatal_note(const char *what);

/* End the process by signal sig's default action (SIGINT, SIGTERM: the shell
   shows 128 + sig), or with status 128 + sig if that did not end it.
   [async-signal-safe] */
_Noreturn void fatal_die(int sig);

#endif
