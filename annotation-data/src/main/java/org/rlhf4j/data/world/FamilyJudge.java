package org.rlhf4j.data.world;

/** The gold judge of one task family. */
interface FamilyJudge {

    Judgement score(PromptInfo prompt, String response, boolean endedWithEos);
}
