import test from "ava";
import { canonicalString, computeSignature, javaUrlEncode } from "../../provider/client/signing";

// Test vectors from ../shared/reference/mold-api-core.md §4.4.
const params = {
    apiKey: "test-api-key",
    command: "listKubernetesClusters",
    response: "json",
    name: "my cluster~1*",
    signatureversion: "3",
    expires: "2030-01-01T00:00:00+0000",
};

test("canonical string matches the reference vector", (t) => {
    t.is(
        canonicalString(params),
        "apikey=test-api-key&command=listkubernetesclusters&expires=2030-01-01t00%3a00%3a00%2b0000&name=my%20cluster%7e1*&response=json&signatureversion=3",
    );
});

test("HMAC-SHA1 signature matches the Apache CloudStack vector", (t) => {
    t.is(computeSignature(params, "test-secret-key", "sha1"), "MEu5kvQM8tn9Uk63J/va1xIoEEA=");
});

test("HMAC-SHA256 signature matches the Mold vector", (t) => {
    t.is(computeSignature(params, "test-secret-key", "sha256"), "xgAuaHUUpnvl/snN5/f2wSYni8lKWrCKzg7+UBXXpiw=");
});

test("values are encoded like java.net.URLEncoder", (t) => {
    t.is(javaUrlEncode("a b"), "a%20b");
    t.is(javaUrlEncode("x*y"), "x*y");
    t.is(javaUrlEncode("x~y"), "x%7Ey");
    t.is(javaUrlEncode("x!y'(z)"), "x%21y%27%28z%29");
    t.is(javaUrlEncode("a+b/c=d&e"), "a%2Bb%2Fc%3Dd%26e");
    t.is(javaUrlEncode("한글"), "%ED%95%9C%EA%B8%80");
    t.is(javaUrlEncode("._-"), "._-");
});

test("signature and the signature parameter itself are excluded; names sort case-sensitively", (t) => {
    const s = canonicalString({ b: "1", B: "2", a: "3", signature: "zzz" });
    t.is(s, "b=2&a=3&b=1");
});
