// The observable store lives in the client core (core/store.ts), shared with the web client.
export { type Listener, Store, unwatchAll, watch } from "../core/store";
