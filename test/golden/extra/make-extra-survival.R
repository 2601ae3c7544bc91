# Edge-case reference numbers for the survival engine (issue 3: all censored, one group, ties
# everywhere, time 0, a single subject, a median on a flat segment).
# Writes the surv-*.csv files and survival-cases.json (same format as ../cases.json) next to this
# script (make-extra.R beside it is the Cox/Fine–Gray counterpart).
# Run: Rscript test/golden/extra/make-extra-survival.R     (R 4.2, survival 3.5-3, cmprsk 2.2-11)
# The tests read the JSON; they never run R.
suppressMessages({ library(survival); library(cmprsk) })

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
out_dir <- dirname(normalizePath(script))

# --- minimal JSON writer (jsonlite is not a dependency) -----------------------------------------
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      parts <- mapply(function(k, v) paste0('"', k, '":', to_json(v)), names(x), x)
      return(paste0("{", paste(parts, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
  }
  if (length(x) != 1) stop("vectors must be wrapped with as.list()")
  if (is.character(x)) return(paste0('"', x, '"'))
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  sprintf("%.17g", x)
}
rows <- function(df) lapply(seq_len(nrow(df)), function(i) as.list(df[i, , drop = FALSE]))

cases <- list()
add_case <- function(id, command, args, expected) {
  cases[[length(cases) + 1]] <<- list(id = id, command = command, args = args, expected = expected)
}
write_data <- function(name, d) {
  write.csv(d, file.path(out_dir, name), row.names = FALSE, na = "")
  d
}
event01 <- function(s) if (all(s %in% c(0, 1))) s else s - 1

# --- expected values in cli.md's shapes -----------------------------------------------------------
km_expected <- function(d, conf.type, at, grouped, conf.int = 0.95) {
  d$ev <- event01(d$status)
  fit <- if (grouped) survfit(Surv(time, ev) ~ g, data = d, conf.type = conf.type, conf.int = conf.int)
         else survfit(Surv(time, ev) ~ 1, data = d, conf.type = conf.type, conf.int = conf.int)
  one <- function(f, name) {
    s <- summary(f, censored = TRUE)
    q <- quantile(f, 0.5)
    out <- list(group = name, n = f$n, events = sum(f$n.event),
      table = rows(data.frame(time = s$time, nRisk = s$n.risk, nEvent = s$n.event, nCensor = s$n.censor,
                              surv = s$surv, stdErr = s$std.err, lower = s$lower, upper = s$upper)),
      median = list(estimate = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper)))
    if (!is.null(at)) {
      a <- summary(f, times = at, extend = TRUE)
      out$at <- rows(data.frame(time = a$time, nRisk = a$n.risk, surv = a$surv, stdErr = a$std.err,
                                lower = a$lower, upper = a$upper))
    }
    out
  }
  if (!grouped) return(list(groups = list(one(fit, NULL))))
  # A one-level factor gives survfit no strata: one curve named by that level.
  if (is.null(fit$strata)) return(list(groups = list(one(fit, as.character(unique(d$g))))))
  names <- sub("^g=", "", names(fit$strata))
  list(groups = lapply(seq_along(names), function(i) one(fit[i], names[i])))
}

logrank_expected <- function(d, rho, strata = FALSE) {
  d$ev <- event01(d$status)
  s <- if (strata) survdiff(Surv(time, ev) ~ g + strata(s), data = d, rho = rho)
       else survdiff(Surv(time, ev) ~ g, data = d, rho = rho)
  obs <- if (is.matrix(s$obs)) rowSums(s$obs) else s$obs
  exp <- if (is.matrix(s$exp)) rowSums(s$exp) else s$exp
  df <- sum(exp > 0) - 1
  names <- sub("^g=", "", names(s$n))
  list(chisq = s$chisq, df = df, p = pchisq(s$chisq, df, lower.tail = FALSE),
       groups = lapply(seq_along(names), function(i)
         list(group = names[i], n = as.vector(s$n[i]), observed = obs[i], expected = exp[i])))
}

followup_expected <- function(d) {
  ev <- event01(d$status)
  q <- quantile(survfit(Surv(d$time, 1 - ev) ~ 1), 0.5)
  list(reverseKm = list(estimate = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper)),
       observed = list(median = median(d$time), min = min(d$time), max = max(d$time)))
}

cuminc_expected <- function(d, at) {
  ci <- cuminc(d$time, d$cause, d$g)
  tp <- timepoints(ci, at)
  curves <- lapply(rownames(tp$est), function(r) {
    parts <- strsplit(r, " ")[[1]]
    list(group = parts[1], cause = parts[2],
         at = rows(data.frame(time = as.numeric(colnames(tp$est)), estimate = tp$est[r, ], variance = tp$var[r, ])))
  })
  tests <- ci$Tests
  list(curves = curves,
       gray = lapply(rownames(tests), function(cause)
         list(cause = cause, stat = tests[cause, "stat"], df = tests[cause, "df"], p = tests[cause, "pv"])))
}

# --- data sets ------------------------------------------------------------------------------------
all_censored <- write_data("surv-all-censored.csv", data.frame(
  time = c(2, 3, 3, 5, 8, 9), status = 0, g = c("A", "A", "B", "B", "A", "B")))
add_case("all-censored-km-loglog", "km",
  list(data = "surv-all-censored.csv", time = "time", event = "status", group = "g", "conf-type" = "log-log", at = "0,4,10"),
  km_expected(all_censored, "log-log", c(0, 4, 10), TRUE))
add_case("all-censored-km-log", "km",
  list(data = "surv-all-censored.csv", time = "time", event = "status", "conf-type" = "log", at = "1,3"),
  km_expected(all_censored, "log", c(1, 3), FALSE))
add_case("all-censored-followup", "followup", list(data = "surv-all-censored.csv", time = "time", event = "status"),
  followup_expected(all_censored))

one_group <- write_data("surv-one-group.csv", data.frame(
  time = c(1, 3, 4, 4, 6, 7, 9, 12), status = c(2, 1, 2, 2, 1, 2, 1, 2), g = "X"))
add_case("one-group-km-plain", "km",
  list(data = "surv-one-group.csv", time = "time", event = "status", group = "g", "conf-type" = "plain", at = "0,5,20"),
  km_expected(one_group, "plain", c(0, 5, 20), TRUE))

set.seed(3)
ties <- write_data("surv-ties.csv", data.frame(
  time = rep(c(1, 2, 3), 12),
  status = c(1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0),
  cause = c(1, 0, 2, 1, 2, 0, 0, 1, 1, 2, 1, 2, 0, 0, 1, 2, 0, 1, 1, 1, 2, 0, 2, 1, 1, 0, 0, 2, 1, 2, 0, 1, 1, 2, 2, 0),
  g = rep(c("a", "b", "c", "c", "b", "a"), 6),
  h = rep(c("no", "yes"), 18),
  x = c(5, 3, 5, 2, 2, 8, 5, 3, 3, 1, 8, 8, 2, 5, 5, 3, 1, 1, 8, 2, 5, 3, 3, 2, 5, 5, 1, 8, 2, 3, 3, 5, 2, 2, 1, 8)))
add_case("ties-km", "km",
  list(data = "surv-ties.csv", time = "time", event = "status", group = "g", "conf-type" = "log", at = "0.5,2,3,4"),
  km_expected(ties, "log", c(0.5, 2, 3, 4), TRUE))
add_case("ties-logrank", "logrank", list(data = "surv-ties.csv", time = "time", event = "status", group = "g", rho = 0),
  logrank_expected(ties, 0))
add_case("ties-petopeto", "logrank", list(data = "surv-ties.csv", time = "time", event = "status", group = "g", rho = 1),
  logrank_expected(ties, 1))
add_case("ties-km-loglog-90", "km",
  list(data = "surv-ties.csv", time = "time", event = "status", group = "g", "conf-type" = "log-log", "conf-level" = 0.9, at = "1,2.5"),
  km_expected(ties, "log-log", c(1, 2.5), TRUE, conf.int = 0.9))
add_case("ties-logrank-strata", "logrank",
  list(data = "surv-ties.csv", time = "time", event = "status", group = "g", strata = "h", rho = 0),
  logrank_expected(transform(ties, s = h), 0, strata = TRUE))
add_case("ties-petopeto-strata", "logrank",
  list(data = "surv-ties.csv", time = "time", event = "status", group = "g", strata = "h", rho = 1),
  logrank_expected(transform(ties, s = h), 1, strata = TRUE))
add_case("ties-followup", "followup", list(data = "surv-ties.csv", time = "time", event = "status"), followup_expected(ties))
add_case("ties-cuminc", "cuminc", list(data = "surv-ties.csv", time = "time", status = "cause", group = "g", at = "1,2,3,4"),
  cuminc_expected(ties, c(1, 2, 3, 4)))
tw <- wilcox.test(x ~ h, data = ties, exact = FALSE)
add_case("ties-wilcoxon", "tabletest", list(data = "surv-ties.csv", row = "x", group = "h", test = "wilcoxon"),
  list(p = tw$p.value, statistic = unname(tw$statistic)))
tk <- kruskal.test(x ~ g, data = ties)
add_case("ties-kruskal", "tabletest", list(data = "surv-ties.csv", row = "x", group = "g", test = "kruskal"),
  list(p = tk$p.value, statistic = unname(tk$statistic)))
add_case("ties-fisher-3x3", "tabletest", list(data = "surv-ties.csv", row = "cause", group = "g", test = "fisher"),
  list(p = fisher.test(table(ties$cause, ties$g))$p.value))
tc <- chisq.test(table(ties$cause, ties$g), correct = FALSE)
add_case("ties-chisq-3x3", "tabletest", list(data = "surv-ties.csv", row = "cause", group = "g", test = "chisq"),
  list(p = tc$p.value, statistic = unname(tc$statistic)))
t2 <- table(ties$h, ties$status)
add_case("ties-fisher-2x2", "tabletest", list(data = "surv-ties.csv", row = "status", group = "h", test = "fisher"),
  list(p = fisher.test(t2)$p.value))

all_tied <- write_data("surv-all-tied.csv", data.frame(time = 5, status = c(1, 0, 1, 1, 0, 1, 0), g = c("p", "p", "p", "q", "q", "q", "q")))
add_case("all-tied-km", "km",
  list(data = "surv-all-tied.csv", time = "time", event = "status", group = "g", "conf-type" = "log", at = "4,5,6"),
  km_expected(all_tied, "log", c(4, 5, 6), TRUE))
add_case("all-tied-logrank", "logrank", list(data = "surv-all-tied.csv", time = "time", event = "status", group = "g", rho = 0),
  logrank_expected(all_tied, 0))

time0 <- write_data("surv-time-zero.csv", data.frame(
  time = c(0, 0, 0, 1, 2, 2, 3, 5, 6, 8, 0, 4),
  status = c(1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1),
  cause = c(1, 0, 2, 1, 0, 2, 1, 0, 2, 0, 1, 1),
  g = c("A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "B", "A")))
add_case("time-zero-km", "km",
  list(data = "surv-time-zero.csv", time = "time", event = "status", group = "g", "conf-type" = "log-log", at = "0,1,10"),
  km_expected(time0, "log-log", c(0, 1, 10), TRUE))
add_case("time-zero-km-all", "km",
  list(data = "surv-time-zero.csv", time = "time", event = "status", "conf-type" = "log", at = "0,2"),
  km_expected(time0, "log", c(0, 2), FALSE))
add_case("time-zero-logrank", "logrank", list(data = "surv-time-zero.csv", time = "time", event = "status", group = "g", rho = 1),
  logrank_expected(time0, 1))
add_case("time-zero-cuminc", "cuminc", list(data = "surv-time-zero.csv", time = "time", status = "cause", group = "g", at = "0,3,8,9"),
  cuminc_expected(time0, c(0, 3, 8, 9)))

single_event <- write_data("surv-single-event.csv", data.frame(time = 5, status = 1))
add_case("single-event-km", "km", list(data = "surv-single-event.csv", time = "time", event = "status", at = "2,5,6"),
  km_expected(single_event, "log", c(2, 5, 6), FALSE))
add_case("single-event-followup", "followup", list(data = "surv-single-event.csv", time = "time", event = "status"),
  followup_expected(single_event))
single_censored <- write_data("surv-single-censored.csv", data.frame(time = 5, status = 0))
add_case("single-censored-km", "km", list(data = "surv-single-censored.csv", time = "time", event = "status", at = "5"),
  km_expected(single_censored, "log", 5, FALSE))

flat <- write_data("surv-flat-median.csv", data.frame(time = c(1, 2, 3, 4), status = 1))
add_case("flat-median-km", "km", list(data = "surv-flat-median.csv", time = "time", event = "status", "conf-type" = "plain"),
  km_expected(flat, "plain", NULL, FALSE))
flat2 <- write_data("surv-flat-median-censored.csv", data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 1, 1, 0, 1, 0)))
add_case("flat-median-censored-km", "km", list(data = "surv-flat-median-censored.csv", time = "time", event = "status"),
  km_expected(flat2, "log", NULL, FALSE))

# Larger contingency tables for the exact test (fisher.test's network algorithm in R).
set.seed(17)
tab <- write_data("surv-table.csv", data.frame(
  a = sample(c("C", "T", "L", "S", "multi", "other"), 500, replace = TRUE, prob = c(0.2, 0.35, 0.25, 0.1, 0.07, 0.03)),
  b = sample(c("no", "yes"), 500, replace = TRUE, prob = c(0.6, 0.4)),
  c = sample(0:2, 500, replace = TRUE),
  d = sample(c("w", "x", "y", "z"), 500, replace = TRUE)))
add_case("table-fisher-2x6-n500", "tabletest", list(data = "surv-table.csv", row = "a", group = "b", test = "fisher"),
  list(p = fisher.test(table(tab$a, tab$b), workspace = 2e8)$p.value))
small <- tab[1:120, ]
add_case("table-fisher-3x4-n120", "tabletest", list(data = "surv-table-120.csv", row = "c", group = "d", test = "fisher"),
  list(p = fisher.test(table(small$c, small$d), workspace = 2e8)$p.value))
write_data("surv-table-120.csv", small)

writeLines(paste0("[\n", paste(vapply(cases, to_json, ""), collapse = ",\n"), "\n]"), file.path(out_dir, "survival-cases.json"))
cat("wrote", length(cases), "cases to", file.path(out_dir, "survival-cases.json"), "\n")
