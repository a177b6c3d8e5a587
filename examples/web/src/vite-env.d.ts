/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The gateway's GraphQL endpoint; http://localhost:4000/graphql when unset. */
  readonly VITE_TARUVI_URL?: string;
}
