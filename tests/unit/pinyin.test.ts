import { describe, expect, it } from "vitest";
import { compareNames, indexLetterOf, sortKeyOf } from "../../worker/lib/pinyin";

describe("pinyin sort keys", () => {
  it("read Chinese as pinyin words, Latin without case or accents, and keep digits and symbols", () => {
    expect(["张三", "单田芳", "长孙无忌", "ÉMILE", "王五5", "  李四 ", ""].map(sortKeyOf)).toEqual(["zhang san", "shan tian fang", "zhang sun wu ji", "emile", "wang wu 5", "li si", ""]);
  });

  it("give A–Z letters and '#' for anything else", () => {
    expect(["zhang san", "alice", "42 hao", "", "😀"].map(indexLetterOf)).toEqual(["Z", "A", "#", "#", "#"]);
  });

  it("order by letter with '#' last, then key, then the name itself", () => {
    const names = ["张三", "42", "alice", "Alice", "李四", "😀"].map((name) => ({ name, key: sortKeyOf(name) }));
    expect(names.sort(compareNames).map((n) => n.name)).toEqual(["Alice", "alice", "李四", "张三", "42", "😀"]);
  });
});
