// Preloaded (node -r) into the gateway that bench.ts forks: when the bench goes away without
// stopping it (killed, crashed), the IPC channel closes and the gateway shuts down by itself
// through its own SIGTERM path. The channel must not keep the gateway alive on its own.
process.channel?.unref();
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
