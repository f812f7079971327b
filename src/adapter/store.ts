// $app.store(), taken once per VM. Each call is a JSVM->Go call that makes goja wrap the Go store
// in a new object, and a new VM's first request needed it five or more times (the plan, the VM
// count, the proxy check, stdout, the counters). The store is the app's for its whole life.

type AppStore = ReturnType<typeof $app.store>;

let store: AppStore | undefined;

export function appStore(): AppStore {
  if (store === undefined) store = $app.store();
  return store;
}
