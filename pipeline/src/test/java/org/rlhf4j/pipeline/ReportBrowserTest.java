package org.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.GoldEval;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.world.GoldJudge;

/**
 * The report opens in headless Chromium with no network and every plot renders (each image decoded, non-empty), and a
 * screenshot of the page is not blank. Needs Debian's chromium and chromium-driver (./test installs them); fails without.
 */
class ReportBrowserTest {
    static final String CHROMIUM = "/usr/bin/chromium", CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    @TempDir
    Path dir;

    static Evaluate.Outcome outcome() throws Exception {
        ObjectMapper om = new ObjectMapper();
        PromptRecord p = new PromptRecord("a-1", "Tom has 2 apples and gets 3 more. How many apples?", "arithmetic", null, om.createObjectNode().put("answer", 5));
        GoldJudge judge = GoldJudge.load();
        List<Evaluate.Result> results = new ArrayList<>();
        String[][] policies = {{"sft", "Tom has 4 apples."}, {"ppo", "Tom has 5 apples."}, {"best-of-4", "5 <b>apples</b>"}};
        for (String[] pol : policies) {
            List<Rollouts.Sample> s = List.of(new Rollouts.Sample(p, new int[] {1}, new int[] {2, 3}, pol[1], true, new float[] {-1f, -2f}));
            Map<Integer, Double> pass = pol[0].startsWith("best") ? null : new LinkedHashMap<>(Map.of(1, 0.5));
            results.add(new Evaluate.Result(pol[0], s, GoldEval.judge(s, judge), 0.5, 0.1, 0.2, pol[0].startsWith("best") ? null : 3.0,
                    pol[0].startsWith("best") ? null : 0.6, pass, pass == null ? null : 0.5));
        }
        var summary = om.createObjectNode().put("report_samples", 1);
        return new Evaluate.Outcome(results, List.of(p), summary);
    }

    static Path metrics(Path dir) throws Exception {
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 5; i++)
            sb.append(String.format("{\"iteration\":%d,\"rm_score\":%.2f,\"gold_score\":%.2f,\"kl_per_response\":%.2f,\"beta\":0.05,\"response_length\":%d}%n", i, 0.1 * i, 0.4 + 0.02 * i, 0.3 * i, 20 + i));
        Files.writeString(dir.resolve("metrics.jsonl"), sb.toString());
        return dir;
    }

    @Test
    void theReportRendersWithItsImagesInHeadlessChromium() throws Exception {
        for (String exe : List.of(CHROMIUM, CHROMEDRIVER))
            if (!Files.isExecutable(Path.of(exe)))
                fail(exe + " is missing: install Debian's chromium and chromium-driver (scripts/setup-debian.sh --browser, which ./test runs, or apt-get install -y chromium chromium-driver)");
        Path out = dir.resolve("eval");
        Report.write(out, outcome(), List.of(Curves.read("ppo", metrics(dir.resolve("ppo")))), new ObjectMapper().createObjectNode().put("total_stage_seconds", 1.0));
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(html.contains("http://") || html.contains("https://"), "self-contained: no network references");
        assertTrue(html.contains("&lt;b&gt;apples&lt;/b&gt;"), "responses are escaped");
        assertTrue(Files.exists(out.resolve("report.md")) && Files.exists(out.resolve("summary.json")));

        SELENIUM_LOG.setLevel(Level.SEVERE);
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,1600",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("profile")));
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build(), options);
        try {
            browser.get(out.resolve("report.html").toUri().toString());
            Object images = browser.executeScript("return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0 ? i.naturalWidth : 0)");
            List<?> widths = (List<?>) images;
            assertTrue(widths.size() >= 6, "5 PPO panels and the over-optimisation plot: " + widths);
            for (Object w : widths) assertTrue(((Number) w).intValue() == 640, "every image decoded at 640 px: " + widths);
            byte[] png = browser.getScreenshotAs(OutputType.BYTES);
            Files.write(out.resolve("screenshot.png"), png);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            int first = img.getRGB(0, 0), different = 0;
            for (int y = 0; y < img.getHeight(); y += 7) for (int x = 0; x < img.getWidth(); x += 7) if (img.getRGB(x, y) != first) different++;
            assertTrue(different > 500, "the screenshot is not blank (" + different + " sampled pixels differ from the corner)");
        } finally {
            browser.quit();
        }
    }
}
