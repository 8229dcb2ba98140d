/*
 * Running compiled wasm code.
 *
 * Entry and traps.  veil_aot_enter() pushes a frame (a sigjmp_buf) on a
 * thread-local list and calls a trampoline.  Every trap — raised by the
 * generated code through rt->trap, by a runtime callback, or by the SIGSEGV
 * handler — records its kind in the innermost frame and siglongjmps to it.
 * Nothing needs cleaning up in between: generated code keeps all state in
 * the store/instance, and the entry returns unused fuel.  Frames nest when
 * a host function calls back into wasm.
 *
 * Call depth.  Compiled functions check the native stack pointer against
 * ctx->stack_limit (a copy of exec.stack_limit, published to every ctx of
 * the store at each outermost entry) on entry, which is cheaper than
 * counting frames (fib: about 15% faster) and bounds what actually
 * matters, the native stack.
 * The store's max_call_depth is turned into bytes at the outermost entry
 * (VEIL_AOT_FRAME_BYTES per frame), never beyond the thread's stack minus
 * a reserve for host functions; so "call stack exhausted" comes at a depth
 * that depends on frame sizes, not at exactly max_call_depth frames.
 *
 * Faults.  A process-wide SIGSEGV/SIGBUS handler (checked and, when another
 * handler replaced it, reinstalled at every outermost entry; on an
 * alternate signal stack per thread so it works after a native stack
 * overflow, with SA_NODEFER so unwinding out of it leaves the signal
 * unblocked) turns a fault into a trap only when (1) this thread is inside
 * veil_aot_enter and (2) the faulting instruction is in a registered
 * compiled library.  A fault just below the thread's native stack is "call
 * stack exhausted"; any other is "out of bounds memory access" (the only
 * other addresses generated code dereferences are linear memory and the
 * runtime's own structures).  Every other fault goes to the previous
 * handler, so bugs in Veil or the host still crash loudly.
 *
 * Memory reservations (guard-page mode, the default where the address
 * space allows it): 8 GiB + 64 KiB of PROT_NONE address space per memory,
 * made accessible as it grows.
 *
 * Fuel and deadline: compiled code subtracts from exec.budget at function
 * entries and loop headers and calls the budget callback when it goes
 * negative; the callback moves another chunk from the store's fuel and
 * reads the clock when there is a deadline.
 */
#include "runtime.h"

#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

_Static_assert(VEIL_AOT_TRAP_UNREACHABLE == VEIL_TRAP_UNREACHABLE, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_MEMORY_OOB == VEIL_TRAP_MEMORY_OOB, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_TABLE_OOB == VEIL_TRAP_TABLE_OOB, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_INT_OVERFLOW == VEIL_TRAP_INT_OVERFLOW, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_DIV_BY_ZERO == VEIL_TRAP_DIV_BY_ZERO, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_INVALID_CONVERSION == VEIL_TRAP_INVALID_CONVERSION, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_INDIRECT_MISMATCH == VEIL_TRAP_INDIRECT_MISMATCH, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_UNDEFINED_ELEMENT == VEIL_TRAP_UNDEFINED_ELEMENT, "trap numbering");
_Static_assert(VEIL_AOT_TRAP_UNINITIALIZED_ELEMENT == VEIL_TRAP_UNINITIALIZED_ELEMENT,
               "trap numbering");
_Static_assert(VEIL_AOT_TRAP_STACK_EXHAUSTED == VEIL_TRAP_STACK_EXHAUSTED, "trap numbering");

/* Room left on the native stack below compiled code for host functions,
 * the runtime's callbacks and libc. */
#define STACK_RESERVE_BYTES (256u << 10)
#define ALT_STACK_BYTES (64u << 10)

typedef struct frame {
    sigjmp_buf jump;
    struct frame *prev;
    veil_aot_trap_info trap;
} frame;

static __thread frame *current_frame;
static __thread uintptr_t thread_stack_low; /* lowest usable address of this thread's stack */
static __thread bool thread_ready;

/* ---- registered code ranges (read by the signal handler without locks) ---- */

#define MAX_CODE_RANGES 1024

/* Where each function of a library and its trampoline start, sorted: the
 * fault handler names the function that faulted (the one with the greatest
 * start at or below the faulting instruction; a trampoline counts as its
 * function, into which the C compiler often inlines it; other code
 * inlined into a caller is reported as the caller). */
typedef struct code_map {
    const veil_aot_module_info *info;
    uint32_t count;
    uintptr_t *starts;
    uint32_t *funcs; /* wasm function index of each start */
} code_map;

typedef struct code_range {
    _Atomic uintptr_t start, end;
    code_map *_Atomic map;
} code_range;
static code_range code_ranges[MAX_CODE_RANGES];
static _Atomic uint32_t code_range_count;
static pthread_mutex_t code_lock = PTHREAD_MUTEX_INITIALIZER;

/* The registered code containing pc, or NULL (signal-safe: no locks). */
static const code_map *compiled_code_at(uintptr_t pc) {
    uint32_t n = atomic_load_explicit(&code_range_count, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        uintptr_t s = atomic_load_explicit(&code_ranges[i].start, memory_order_acquire);
        uintptr_t e = atomic_load_explicit(&code_ranges[i].end, memory_order_acquire);
        if (pc >= s && pc < e)
            return atomic_load_explicit(&code_ranges[i].map, memory_order_acquire);
    }
    return NULL;
}

static uint32_t function_at(const code_map *map, uintptr_t pc) {
    uint32_t lo = 0, hi = map->count; /* first start > pc is in [lo, hi] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (map->starts[mid] <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? UINT32_MAX : map->funcs[lo - 1];
}

static void code_map_free(code_map *map) {
    if (map == NULL)
        return;
    free(map->starts);
    free(map->funcs);
    free(map);
}

static code_map *code_map_new(const veil_aot_module_info *info) {
    code_map *map = calloc(1, sizeof *map);
    if (map == NULL)
        return NULL;
    map->info = info;
    map->count = 2 * info->func_count;
    map->starts = calloc((size_t)map->count + 1, sizeof *map->starts);
    map->funcs = calloc((size_t)map->count + 1, sizeof *map->funcs);
    if (map->starts == NULL || map->funcs == NULL) {
        code_map_free(map);
        return NULL;
    }
    /* Insertion sort by address: the compiler emits functions mostly in
     * order, so this is close to linear. */
    for (uint32_t i = 0; i < map->count; i++) {
        uint32_t fi = i % info->func_count;
        uintptr_t a =
            i < info->func_count ? (uintptr_t)info->code[fi] : (uintptr_t)info->trampolines[fi];
        uint32_t j = i;
        while (j > 0 && map->starts[j - 1] > a) {
            map->starts[j] = map->starts[j - 1];
            map->funcs[j] = map->funcs[j - 1];
            j--;
        }
        map->starts[j] = a;
        map->funcs[j] = info->import_func_count + fi;
    }
    return map;
}

typedef struct find_segment {
    const void *symbol;
    uintptr_t start, end;
} find_segment;

/* dl_iterate_phdr callback: the executable segment of the object that
 * contains `symbol`. */
static int find_code_segment(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    find_segment *fs = data;
    uintptr_t sym = (uintptr_t)fs->symbol;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    bool contains = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
        if (sym >= s && sym < e)
            contains = true;
        if (ph->p_flags & PF_X) {
            if (s < lo)
                lo = s;
            if (e > hi)
                hi = e;
        }
    }
    if (!contains || hi == 0)
        return 0;
    fs->start = lo;
    fs->end = hi;
    return 1;
}

veil_error *veil_aot_register_code(veil_aot_library *lib) {
    find_segment fs = {lib->info, 0, 0};
    if (dl_iterate_phdr(find_code_segment, &fs) == 0)
        return veil_error_new(VEIL_EINTERNAL, "AOT: cannot find the code of a loaded module");
    code_map *map = code_map_new(lib->info);
    if (map == NULL)
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory registering compiled code");
    pthread_mutex_lock(&code_lock);
    uint32_t n = atomic_load_explicit(&code_range_count, memory_order_relaxed);
    uint32_t slot_index = n;
    for (uint32_t i = 0; i < n; i++) {
        if (atomic_load_explicit(&code_ranges[i].end, memory_order_relaxed) == 0) {
            slot_index = i;
            break;
        }
    }
    veil_error *err = NULL;
    if (slot_index == MAX_CODE_RANGES) {
        err = veil_error_new(VEIL_ELIMIT, "AOT: too many compiled modules loaded at once (%d)",
                             MAX_CODE_RANGES);
        code_map_free(map);
    } else {
        atomic_store_explicit(&code_ranges[slot_index].map, map, memory_order_relaxed);
        atomic_store_explicit(&code_ranges[slot_index].start, fs.start, memory_order_relaxed);
        atomic_store_explicit(&code_ranges[slot_index].end, fs.end, memory_order_release);
        if (slot_index == n)
            atomic_store_explicit(&code_range_count, n + 1, memory_order_release);
        lib->code_start = fs.start;
        lib->code_end = fs.end;
    }
    pthread_mutex_unlock(&code_lock);
    return err;
}

void veil_aot_unregister_code(veil_aot_library *lib) {
    if (lib->code_end == 0)
        return;
    pthread_mutex_lock(&code_lock);
    uint32_t n = atomic_load_explicit(&code_range_count, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++) {
        if (atomic_load_explicit(&code_ranges[i].start, memory_order_relaxed) == lib->code_start &&
            atomic_load_explicit(&code_ranges[i].end, memory_order_relaxed) == lib->code_end) {
            atomic_store_explicit(&code_ranges[i].end, 0, memory_order_release);
            atomic_store_explicit(&code_ranges[i].start, 0, memory_order_release);
            /* No thread runs this library's code any more (it is being
             * freed), so no fault handler can be reading its map. */
            code_map_free(
                atomic_exchange_explicit(&code_ranges[i].map, NULL, memory_order_acq_rel));
            break;
        }
    }
    pthread_mutex_unlock(&code_lock);
    lib->code_start = lib->code_end = 0;
}

/* ---- the fault handler ---- */

static struct sigaction previous_segv, previous_bus;
static pthread_mutex_t handler_lock = PTHREAD_MUTEX_INITIALIZER;

static uintptr_t context_pc(const void *ucontext) {
    const ucontext_t *uc = ucontext;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
#error "AOT fault handling supports x86-64 and AArch64"
#endif
}

static void chain(int sig, siginfo_t *info, void *ucontext) {
    const struct sigaction *prev = sig == SIGBUS ? &previous_bus : &previous_segv;
    if (prev->sa_flags & SA_SIGINFO) {
        prev->sa_sigaction(sig, info, ucontext);
        return;
    }
    if (prev->sa_handler == SIG_IGN)
        return;
    if (prev->sa_handler != SIG_DFL) {
        prev->sa_handler(sig);
        return;
    }
    /* Default action: restore it and return, so the fault repeats and
     * kills the process the normal way (with a core dump). */
    signal(sig, SIG_DFL);
}

static void on_fault(int sig, siginfo_t *info, void *ucontext) {
    frame *f = current_frame;
    uintptr_t pc = context_pc(ucontext);
    const code_map *map = f != NULL ? compiled_code_at(pc) : NULL;
    if (map != NULL) {
        uintptr_t addr = (uintptr_t)info->si_addr;
        bool stack = thread_stack_low != 0 && addr < thread_stack_low + STACK_RESERVE_BYTES &&
                     addr + (16u << 20) > thread_stack_low;
        f->trap.kind = stack ? VEIL_TRAP_STACK_EXHAUSTED : VEIL_TRAP_MEMORY_OOB;
        f->trap.func = function_at(map, pc);
        f->trap.ctx = NULL;
        f->trap.code = map->info;
        f->trap.error = NULL;
        siglongjmp(f->jump, 1);
    }
    chain(sig, info, ucontext);
}

static void install_handler(void) {
    pthread_mutex_lock(&handler_lock);
    struct sigaction current;
    if (sigaction(SIGSEGV, NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO) &&
        current.sa_sigaction == on_fault) {
        pthread_mutex_unlock(&handler_lock);
        return;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
    sigaction(SIGBUS, &sa, &previous_bus);
    pthread_mutex_unlock(&handler_lock);
}

/* Per thread: an alternate signal stack and the stack bounds. */
static veil_error *prepare_thread(void) {
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
        void *alt =
            mmap(NULL, ALT_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (alt == MAP_FAILED)
            return veil_error_errno(errno, "AOT: cannot allocate a signal stack");
        stack_t ss = {.ss_sp = alt, .ss_size = ALT_STACK_BYTES, .ss_flags = 0};
        if (sigaltstack(&ss, NULL) != 0) {
            munmap(alt, ALT_STACK_BYTES);
            return veil_error_errno(errno, "AOT: cannot install a signal stack");
        }
    }
    pthread_attr_t attr;
    void *stack_addr = NULL;
    size_t stack_size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &stack_addr, &stack_size) != 0)
            stack_addr = NULL;
        pthread_attr_destroy(&attr);
    }
    if (stack_addr == NULL)
        return veil_error_new(VEIL_EINTERNAL, "AOT: cannot find this thread's stack");
    thread_stack_low = (uintptr_t)stack_addr;
    thread_ready = true;
    return NULL;
}

/* ---- entry, traps, budget ---- */

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void veil_aot_store_init(veil_aot_store *store, uint64_t fuel, uint64_t timeout_ms,
                         uint32_t max_call_depth) {
    memset(store, 0, sizeof *store);
    store->fuel_left = fuel ? fuel : UINT64_MAX;
    store->deadline_ns = timeout_ms ? timeout_ms * 1000000u : 0; /* relative until entry */
    store->max_call_depth = max_call_depth ? max_call_depth : 10000;
}

bool veil_aot_active(void) {
    return current_frame != NULL;
}

void veil_aot_raise(void *ctx, uint32_t kind, uint32_t func, veil_error *error) {
    frame *f = current_frame;
    if (f == NULL)
        abort(); /* a trap outside compiled code is a bug in the runtime */
    f->trap.kind = kind;
    f->trap.func = func;
    f->trap.ctx = ctx;
    f->trap.error = error;
    siglongjmp(f->jump, 1);
}

/* Hands out the next chunk of fuel: exec.budget is negative by what was
 * overspent. */
static bool take_fuel(veil_aot_store *store) {
    int64_t need = -store->exec.budget; /* >= 1 */
    uint64_t want = (uint64_t)need + VEIL_AOT_FUEL_CHUNK;
    uint64_t give = store->fuel_left == UINT64_MAX ? want
                    : store->fuel_left < want      ? store->fuel_left
                                                   : want;
    if (store->fuel_left != UINT64_MAX)
        store->fuel_left -= give;
    store->exec.budget += (int64_t)give;
    store->chunk = (uint64_t)store->exec.budget;
    return store->exec.budget >= 0;
}

void veil_aot_budget_refill(veil_aot_store *store, void *ctx, uint32_t func) {
    if (store->deadline_ns != 0 && monotonic_ns() >= store->deadline_ns)
        veil_aot_raise(ctx, VEIL_TRAP_DEADLINE, func, NULL);
    if (!take_fuel(store)) {
        store->exec.budget = 0;
        store->chunk = 0;
        veil_aot_raise(ctx, VEIL_TRAP_OUT_OF_FUEL, func, NULL);
    }
}

uint64_t veil_aot_fuel_settle(veil_aot_store *store) {
    if (store->fuel_left != UINT64_MAX && store->exec.budget > 0)
        store->fuel_left += (uint64_t)store->exec.budget;
    store->exec.budget = 0;
    store->chunk = 0;
    return store->fuel_left;
}

void veil_aot_fuel_resume(veil_aot_store *store, uint64_t fuel) {
    store->fuel_left = fuel;
    store->exec.budget = 0;
    store->chunk = 0;
}

veil_error *veil_aot_enter(veil_aot_store *store, veil_aot_ctx *ctx, veil_aot_trampoline trampoline,
                           veil_aot_slot *slots, veil_aot_trap_info *info) {
    if (!thread_ready)
        VEIL_TRY(prepare_thread());
    bool outermost = store->entry_depth == 0;
    uint64_t relative_deadline = store->deadline_ns;
    if (outermost) {
        /* Someone (a test harness, a library) may have replaced the handler
         * since the last entry: put it back, chaining to theirs. */
        install_handler();
        /* Limits apply per call from the host: the deadline starts now, the
         * native stack limit is computed from here, fuel comes in chunks. */
        if (relative_deadline != 0)
            store->deadline_ns = monotonic_ns() + relative_deadline;
        uintptr_t here = (uintptr_t)__builtin_frame_address(0);
        uintptr_t floor = thread_stack_low + STACK_RESERVE_BYTES;
        uint64_t budget = (uint64_t)store->max_call_depth * VEIL_AOT_FRAME_BYTES;
        store->exec.stack_limit = here > floor && here - floor > budget ? here - budget : floor;
        if (store->publish_stack_limit != NULL)
            store->publish_stack_limit(store);
        store->exec.budget = 0;
        store->chunk = 0;
        uint64_t give = store->fuel_left == UINT64_MAX           ? VEIL_AOT_FUEL_CHUNK
                        : store->fuel_left < VEIL_AOT_FUEL_CHUNK ? store->fuel_left
                                                                 : VEIL_AOT_FUEL_CHUNK;
        if (store->fuel_left != UINT64_MAX)
            store->fuel_left -= give;
        store->exec.budget = (int64_t)give;
        store->chunk = give;
    }
    store->entry_depth++;
    frame f;
    memset(&f.trap, 0, sizeof f.trap);
    f.prev = current_frame;
    veil_error *err = NULL;
    if (sigsetjmp(f.jump, 0) == 0) {
        current_frame = &f;
        trampoline(ctx, slots);
        current_frame = f.prev;
    } else {
        current_frame = f.prev;
        *info = f.trap;
        err = veil_error_new(VEIL_ETRAP, "%s",
                             veil_wasm_trap_message((veil_wasm_trap_kind)f.trap.kind));
    }
    store->entry_depth--;
    if (outermost) {
        /* Unused fuel goes back to the store. */
        if (store->fuel_left != UINT64_MAX && store->exec.budget > 0)
            store->fuel_left += (uint64_t)store->exec.budget;
        store->exec.budget = 0;
        store->chunk = 0;
        store->deadline_ns = relative_deadline;
    }
    return err;
}

/* ---- memory reservations ---- */

bool veil_aot_guard_pages_available(void) {
    void *p = mmap(NULL, VEIL_AOT_GUARD_RESERVATION, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    munmap(p, VEIL_AOT_GUARD_RESERVATION);
    return true;
}

veil_error *veil_aot_memory_reserve(uint64_t size_bytes, uint8_t **base) {
    if (size_bytes > (4ull << 30))
        return veil_error_new(VEIL_ELIMIT, "AOT: memory of %llu bytes exceeds 4 GiB",
                              (unsigned long long)size_bytes);
    void *p = mmap(NULL, VEIL_AOT_GUARD_RESERVATION, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return veil_error_errno(errno, "AOT: cannot reserve %llu bytes of address space",
                                (unsigned long long)VEIL_AOT_GUARD_RESERVATION);
    if (size_bytes > 0 && mprotect(p, size_bytes, PROT_READ | PROT_WRITE) != 0) {
        veil_error *err = veil_error_errno(errno, "AOT: cannot commit %llu bytes of memory",
                                           (unsigned long long)size_bytes);
        munmap(p, VEIL_AOT_GUARD_RESERVATION);
        return err;
    }
    *base = p;
    return NULL;
}

veil_error *veil_aot_memory_commit(uint8_t *base, uint64_t old_size, uint64_t new_size) {
    if (new_size <= old_size)
        return NULL;
    if (new_size > (4ull << 30))
        return veil_error_new(VEIL_ELIMIT, "AOT: memory cannot grow past 4 GiB");
    if (mprotect(base + old_size, new_size - old_size, PROT_READ | PROT_WRITE) != 0)
        return veil_error_errno(errno, "AOT: cannot commit %llu more bytes of memory",
                                (unsigned long long)(new_size - old_size));
    return NULL;
}

void veil_aot_memory_release(uint8_t *base) {
    if (base != NULL)
        munmap(base, VEIL_AOT_GUARD_RESERVATION);
}
