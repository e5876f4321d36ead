import t from "tap";
import { createMemoryBlobStore } from "../../../src/store/memory-blob-store.ts";
import { blobStoreContract } from "./blob-store-contract.ts";

blobStoreContract(t, async () => createMemoryBlobStore());
