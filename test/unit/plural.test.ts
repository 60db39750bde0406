import test from "ava";
import { count, word } from "../../provider/runtime/plural";

test("count words agree with their numbers", (t) => {
    t.is(count(0, "cluster"), "0 clusters");
    t.is(count(1, "cluster"), "1 cluster");
    t.is(count(2, "cluster"), "2 clusters");
    t.is(count(1, "public IP"), "1 public IP");
    t.is(count(3, "public IP"), "3 public IPs");
    t.is(count(1, "proxy", "proxies"), "1 proxy");
    t.is(count(2, "proxy", "proxies"), "2 proxies");
    t.is(word(1, "worker"), "worker");
    t.is(word(5, "worker"), "workers");
});
