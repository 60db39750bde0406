// Count words that agree with their numbers ("1 cluster", "2 clusters"), for every message that counts.

/** "1 cluster", "2 clusters", "0 clusters"; `plural` for words not made with -s ("1 proxy", "2 proxies"). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
    return `${n} ${n === 1 ? singular : plural}`;
}

/** The word alone, agreeing with `n` ("of 3 node VMs" → word(3, "node VM")). */
export function word(n: number, singular: string, plural = `${singular}s`): string {
    return n === 1 ? singular : plural;
}
