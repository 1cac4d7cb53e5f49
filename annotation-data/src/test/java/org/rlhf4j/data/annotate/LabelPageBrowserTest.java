package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.Flag;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;

/**
 * The labelling page in headless Chromium, driven as people would: a ranking made in the browser with the keyboard
 * and the mouse arrives intact in the output file, and two people in two browsers are shown different items. Needs
 * Debian's chromium and chromium-driver (./test installs them): without them this test fails, it does not skip.
 */
class LabelPageBrowserTest {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    /** Selenium warns that it has no CDP binding for this Chromium; this test uses WebDriver only. Kept, so not collected. */
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    @TempDir
    Path dir;

    private LabelServer server;
    private ChromeDriver browser;
    private Path out;

    static List<Candidates> candidates() {
        return List.of(
                new Candidates("q1", "Name a fruit <b>now</b>.", null, null, null, List.of("Apple.", "Pear.", "A car, clearly."),
                        List.of(true, true, false), null),
                new Candidates("q2", "Pick a colour.", null, null, null, List.of("Red.", "Blue."), null, null));
    }

    private final List<ChromeDriver> browsers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        for (String exe : List.of(CHROMIUM, CHROMEDRIVER))
            if (!Files.isExecutable(Path.of(exe)))
                fail(exe + " is missing: the labelling page's browser test needs Debian's chromium and chromium-driver."
                        + " Install them with scripts/setup-debian.sh --browser (./test runs it) or apt-get install -y chromium chromium-driver");
        SELENIUM_LOG.setLevel(Level.SEVERE);
        out = dir.resolve("rankings.jsonl");
        // The driver and the browser are named explicitly, so Selenium Manager never runs (and nothing is downloaded).
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    }

    /** A headless Chromium with a profile of its own (its own local storage: another person's browser). */
    private ChromeDriver chromium(String profile) throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1000,900",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium-" + profile)));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        browsers.add(driver);
        return driver;
    }

    @AfterEach
    void stop() throws Exception {
        for (ChromeDriver b : browsers) b.quit();
        if (server != null) server.close();
    }

    /** Types {@code name} into the page's name form and starts. */
    private static void signIn(ChromeDriver b, String name) {
        WebElement field = new WebDriverWait(b, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("name")));
        field.clear();
        field.sendKeys(name, Keys.ENTER);
    }

    private List<Integer> shownOrder() {
        return shownOrder(browser);
    }

    private static List<Integer> shownOrder(ChromeDriver browser) {
        return browser.findElements(By.cssSelector("#list > li")).stream().map(li -> Integer.parseInt(li.getAttribute("data-response"))).toList();
    }

    private WebElement card(int place) {
        return browser.findElements(By.cssSelector("#list > li")).get(place);
    }

    @Test
    void aRankingMadeInTheBrowserArrivesIntactInTheOutputFile() throws Exception {
        server = LabelServer.start(LabelSession.open(candidates(), out, LabelPlan.single(null)), InetAddress.getLoopbackAddress(), 0, null);
        browser = chromium("tester");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(10));
        browser.get(server.uri().toString());
        assertTrue(browser.findElement(By.id("name-section")).getText().contains("It is not a password"), "the page says so");
        signIn(browser, "browser-tester");
        wait.until(ExpectedConditions.textToBe(By.id("progress"), "0 of 2 rankings done (2 to go; 0 of 2 items complete)"));
        wait.until(ExpectedConditions.textToBe(By.id("who"), "Labelling as browser-tester: 0 ranked, 0 skipped"));
        assertEquals("Name a fruit <b>now</b>.", browser.findElement(By.id("prompt")).getText(), "text, never markup");
        LabelPlan plan = LabelPlan.single(null);
        List<Integer> s = plan.shownOrder("browser-tester", "q1", 3);
        assertEquals(s, shownOrder(), "the responses in the order shuffled for this person");
        assertTrue(browser.findElement(By.cssSelector(".keys")).getText().contains("Shift"), "the keys are documented on the page");

        // 1. keyboard: select the second response, move it up
        new Actions(browser).sendKeys(Keys.ARROW_DOWN).keyDown(Keys.SHIFT).sendKeys(Keys.ARROW_UP).keyUp(Keys.SHIFT).perform();
        assertEquals(List.of(s.get(1), s.get(0), s.get(2)), shownOrder());

        // 2. mouse: drag the last response by its handle to the top
        WebElement top = card(0);
        int above = -top.getSize().getHeight() / 2 + 3;
        new Actions(browser).clickAndHold(card(2).findElement(By.className("handle"))).moveToElement(top, 0, above)
                .release().perform();
        assertEquals(List.of(s.get(2), s.get(1), s.get(0)), shownOrder());

        // 3. flags: the mouse ticks "harmful" on the one now last; the keyboard flags the selected (dragged) one
        card(2).findElement(By.className("flag-harmful")).click();
        new Actions(browser).sendKeys("n").perform();
        assertTrue(card(0).findElement(By.className("flag-not_following")).isSelected());

        // 4. the mouse submits; the next item and the progress appear
        browser.findElement(By.id("submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("progress"), "1 of 2 rankings done (1 to go; 1 of 2 items complete)"));
        wait.until(ExpectedConditions.textToBe(By.id("prompt"), "Pick a colour."));
        List<Integer> s2 = plan.shownOrder("browser-tester", "q2", 2);
        assertEquals(s2, shownOrder());

        List<Set<Flag>> flags = new ArrayList<>(List.of(Set.of(), Set.of(), Set.of()));
        flags.set(s.get(0), Set.of(Flag.HARMFUL));
        flags.set(s.get(2), Set.of(Flag.NOT_FOLLOWING));
        List<Ranking> saved = DataFiles.loadRankings(out.toString());
        assertEquals(List.of(candidates().get(0).toRanking(List.of(s.get(2), s.get(1), s.get(0)), "browser-tester", flags, s)), saved);

        // 5. the keyboard: number key moves the selection to place 2, Ctrl+Enter submits; then all is done
        new Actions(browser).sendKeys("2").keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
        wait.until(ExpectedConditions.textToBe(By.id("progress"), "2 of 2 rankings done (0 to go; 2 of 2 items complete)"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("done")));
        assertEquals("All done", browser.findElement(By.id("done-title")).getText());
        saved = DataFiles.loadRankings(out.toString());
        assertEquals(2, saved.size());
        assertEquals(candidates().get(1).toRanking(List.of(s2.get(1), s2.get(0)), "browser-tester", List.of(Set.of(), Set.of()), s2),
                saved.get(1));
    }

    @Test
    void twoPeopleInTwoBrowsersAreShownDifferentItems() throws Exception {
        server = LabelServer.start(LabelSession.open(candidates(), out, LabelPlan.single(null)), InetAddress.getLoopbackAddress(), 0, null);
        ChromeDriver ann = chromium("ann"), ben = chromium("ben");
        WebDriverWait annWait = new WebDriverWait(ann, Duration.ofSeconds(10)), benWait = new WebDriverWait(ben, Duration.ofSeconds(10));
        ann.get(server.uri().toString());
        signIn(ann, "Ann");
        annWait.until(ExpectedConditions.textToBe(By.id("prompt"), "Name a fruit <b>now</b>."));
        ben.get(server.uri().toString());
        signIn(ben, "Ben <script>");
        benWait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("name-error"), "the annotator name must be plain text"));
        signIn(ben, "Ben");
        benWait.until(ExpectedConditions.textToBe(By.id("prompt"), "Pick a colour."));
        assertEquals(1, server.session().progress().people().values().stream().filter(p -> "q1".equals(p.holding())).count());
        assertEquals("q2", server.session().progress().people().get("Ben").holding(), "Ben is shown the other item");

        // Ann ranks q1; q2 is Ben's, so she waits. Ben skips q2: nothing is left for him.
        new Actions(ann).keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
        annWait.until(ExpectedConditions.visibilityOfElementLocated(By.id("wait")));
        ben.findElement(By.id("skip")).click();
        benWait.until(ExpectedConditions.visibilityOfElementLocated(By.id("done")));
        assertEquals("Nothing left for you", ben.findElement(By.id("done-title")).getText());
        assertEquals("Labelling as Ben: 0 ranked, 1 skipped", ben.findElement(By.id("who")).getText());

        // Ann's browser remembers her: a reload goes straight to the item Ben gave back
        ann.navigate().refresh();
        annWait.until(ExpectedConditions.textToBe(By.id("prompt"), "Pick a colour."));
        assertTrue(ann.findElement(By.id("name-section")).getAttribute("hidden") != null, "no name asked again");
        assertEquals("Labelling as Ann: 1 ranked, 0 skipped", ann.findElement(By.id("who")).getText());
        ann.findElement(By.id("submit")).click();
        annWait.until(ExpectedConditions.textToBe(By.id("done-title"), "All done"));
        List<String> rows = ann.findElements(By.cssSelector("#team tbody tr")).stream().map(WebElement::getText).toList();
        assertEquals(List.of("Ann 2 0", "Ben 0 1"), rows);
        List<Ranking> saved = DataFiles.loadRankings(out.toString());
        assertEquals(List.of("q1 Ann", "q2 Ann"), saved.stream().map(r -> r.id() + " " + r.annotator()).toList());
    }
}
