package dev.airlock.pendrive;

import java.util.ArrayList;
import java.util.List;

/** Answers the daemon's questions with fixed answers and records the questions. */
final class ScriptedApproval implements Approval {
    final List<String> asked = new ArrayList<>();
    volatile boolean authorize = true;
    volatile boolean waitAnswer = true;

    @Override
    public synchronized boolean authorizeTransfer(String source, String dest) {
        asked.add("authorize " + source + " " + dest);
        return authorize;
    }

    @Override
    public synchronized boolean waitForRelease(String source, String dest) {
        asked.add("wait " + source + " " + dest);
        return waitAnswer;
    }
}
